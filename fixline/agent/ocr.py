"""Reading text off photos of displays, dashboards and rating labels with Tesseract.

Displays are small, often light-on-dark, sometimes seven-segment: the image is read in a
few prepared forms (enlarged grey, Otsu-thresholded with dark text on light) and the
readings are pooled. Each form costs one Tesseract run (about 0.1-0.3 s here)."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pytesseract
from PIL import Image, ImageOps

SMALL = 400  # images shorter than this are enlarged before reading


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


def prepared(image: Image.Image) -> list[Image.Image]:
    gray = ImageOps.grayscale(image)
    if gray.height < SMALL:
        factor = max(2, SMALL // max(1, gray.height) + 1)
        factor = min(factor, 4)
        gray = gray.resize((gray.width * factor, gray.height * factor), Image.Resampling.LANCZOS)
    pixels = np.asarray(gray)
    if pixels.mean() < 110:  # light text on a dark display: Tesseract wants dark on light
        gray = ImageOps.invert(gray)
        pixels = 255 - pixels
    threshold = np.where(pixels > otsu(pixels), 255, 0).astype(np.uint8)
    binary = Image.fromarray(threshold)
    angle = skew_angle(threshold)
    if abs(angle) >= 2:
        gray = gray.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
        binary = binary.rotate(angle, expand=True, fillcolor=255)
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
