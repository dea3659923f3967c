"""Reading text off photos of displays, dashboards and rating labels with Tesseract.

Displays are small, often light-on-dark, sometimes seven-segment: the image is read in a
few prepared forms (grey, Otsu-thresholded, both dark text on light and resized so a line
of text is about TEXT_HEIGHT pixels tall) and the readings are pooled. Each form costs one
Tesseract run (about 0.1-0.3 s here)."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pytesseract
from PIL import Image, ImageOps

SMALL = 400  # images shorter than this are enlarged when their text height is unknown
# The line height Tesseract reads best at, measured on display crops in three fonts: lines
# of 24-40 px read right; at 130-200 px "4C" became "AC" and "F21" became "F217".
TEXT_HEIGHT = 32


class OCR(Protocol):
    def read(self, image: Image.Image) -> list[str]: ...


class OCRUnavailable(RuntimeError):
    pass


def otsu(gray: np.ndarray) -> int:
    """The threshold that best separates dark from light (Otsu's method)."""
    histogram = np.bincount(gray.ravel(), minlength=256).astype(float)
    total = gray.size
    weights = np.cumsum(histogram)
    means = np.cumsum(histogram * np.arange(256))
    between = (means[-1] * weights - means * total) ** 2 / np.maximum(weights * (total - weights), 1)
    return int(np.argmax(between))


def skew_angle(binary: np.ndarray, limit: int = 12) -> float:
    """The small rotation that makes text lines horizontal: the angle whose row sums of
    ink vary the most (lines of text and gaps between them line up). Photos of displays
    are rarely straight; Tesseract reads tilted single lines poorly."""
    ink = binary < 128
    if ink.sum() < 50:
        return 0.0
    small = Image.fromarray((~ink * 255).astype(np.uint8))
    if small.width > 600:
        small = small.resize((600, max(1, small.height * 600 // small.width)))
    best, best_score = 0.0, -1.0
    for angle in np.arange(-limit, limit + 0.1, 1.0):
        rotated = np.asarray(small.rotate(float(angle), expand=True, fillcolor=255)) < 128
        score = float(np.var(rotated.sum(axis=1)))
        if score > best_score:
            best, best_score = float(angle), score
    return best


def text_height(binary: np.ndarray) -> int | None:
    """Height in pixels of the tallest line of text: the longest run of rows holding ink,
    with blank rows around it. None when the ink reaches the top or bottom edge (a busy
    photo, a cropped line) and the height cannot be told."""
    ink = (binary < 128).sum(axis=1)
    if ink.max(initial=0) == 0:
        return None
    rows = ink > 0.05 * ink.max()  # faint rows of speckle are not text
    edges = np.flatnonzero(np.diff(np.concatenate(([0], rows.astype(np.int8), [0]))))
    starts, stops = edges[::2], edges[1::2]
    if starts[0] == 0 or stops[-1] == len(rows):
        return None
    return int((stops - starts).max())


def scale_for(gray: Image.Image, binary: np.ndarray) -> float:
    """How much to resize before reading. Tesseract reads best when a line of text is
    about TEXT_HEIGHT pixels tall: small print is enlarged, and the huge glyphs of a
    close-up are shrunk (at 200 px a "1" grows a phantom "7"). When the text height
    cannot be measured, small images are enlarged as before."""
    height = text_height(binary)
    if height is None or height < 8:
        if gray.height >= SMALL:
            return 1.0
        return float(min(4, max(2, SMALL // max(1, gray.height) + 1)))
    return min(4.0, max(0.25, TEXT_HEIGHT / height))


def binarised(gray: Image.Image) -> Image.Image:
    pixels = np.asarray(gray)
    return Image.fromarray(np.where(pixels > otsu(pixels), 255, 0).astype(np.uint8))


def prepared(image: Image.Image) -> list[Image.Image]:
    gray = ImageOps.grayscale(image)
    if np.asarray(gray).mean() < 110:  # light text on a dark display: Tesseract wants dark on light
        gray = ImageOps.invert(gray)
    binary = binarised(gray)
    angle = skew_angle(np.asarray(binary))
    if abs(angle) >= 2:
        gray = gray.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
        binary = binarised(gray)
    factor = scale_for(gray, np.asarray(binary))
    if factor != 1.0:
        size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
        gray = gray.resize(size, Image.Resampling.LANCZOS)
        binary = binarised(gray)
    return [gray, binary]


class TesseractOCR:
    def __init__(self, languages: str = "eng") -> None:
        self._languages = languages
        try:
            pytesseract.get_tesseract_version()
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise OCRUnavailable("Tesseract is not installed (Debian package tesseract-ocr)") from exc

    def read(self, image: Image.Image) -> list[str]:
        """One reading per prepared form and page layout: a block of text (labels,
        dashboards) and a single line (a display)."""
        readings = []
        for form in prepared(image):
            for psm in (6, 7) if form.height < 3 * SMALL else (6,):
                text = pytesseract.image_to_string(form, lang=self._languages,
                                                   config=f"--psm {psm}", timeout=10)
                readings.append(" ".join(text.split()))
        return readings
