"""Photos made safe and regular before anyone reads them: decompression bombs and
oversized images refused, EXIF rotation applied, RGB, a sane size."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # a 40-megapixel photo is the most a phone sends
MAX_SIDE = 2400  # larger photos are scaled down before OCR: more pixels only cost time


class ImageRejected(ValueError):
    """Not an image we can use; the message is fit to show the customer."""


def normalise(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ImageRejected("That image is too large to read. Send a normal photo instead.")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("That image is too large to read. Send a normal photo instead.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("I couldn't open that image; it may be damaged. Please send it again.") from exc
    image = ImageOps.exif_transpose(image) or image
    image = image.convert("RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return image
