"""Photos of error screens, and every kind of bad file, through the real perception path
(Pillow, Tesseract, the file store on disk)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from fixline.agent.ocr import TesseractOCR, text_height
from fixline.agent.perception import Perceiver
from fixline.core.files import FileStore


@pytest.fixture
def perceiver(tmp_path) -> Perceiver:
    return Perceiver(FileStore(tmp_path / "files"), TesseractOCR())


def display(text: str, fg=(40, 255, 90), bg=(12, 14, 12), size=(320, 110), font=56) -> Image.Image:
    image = Image.new("RGB", size, bg)
    ImageDraw.Draw(image).text((18, 18), text, fill=fg, font=ImageFont.load_default(size=font))
    return image


def jpeg(image: Image.Image, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize(("text", "code"), [("E24", "E24"), ("Err 4C", "4C"), ("P0301", "P0301"),
                                            ("F05", "F05")])
def test_codes_on_a_clean_display(perceiver, text, code):
    result = perceiver.perceive(jpeg(display(text)))
    assert result.error is None and code in result.codes


def test_dark_text_on_a_light_label_with_noise_and_blur(perceiver):
    image = display("ERROR OE", fg=(30, 30, 30), bg=(225, 225, 215)).filter(ImageFilter.GaussianBlur(1))
    assert "OE" in perceiver.perceive(jpeg(image)).codes


def test_exif_rotation_is_applied(perceiver):
    rotated = display("E24").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera says: turn 90 degrees clockwise to view
    assert "E24" in perceiver.perceive(jpeg(rotated, exif=exif.tobytes())).codes


def test_vin_on_a_label(perceiver):
    image = display("VIN 1HGCM82633A004352", fg=(0, 0, 0), bg=(255, 255, 255), size=(900, 90), font=40)
    assert perceiver.perceive(jpeg(image)).vins == ["1HGCM82633A004352"]


def test_photo_without_text(perceiver):
    result = perceiver.perceive(jpeg(Image.new("RGB", (400, 300), (120, 140, 160))))
    assert result.codes == [] and "couldn't find any text" in (result.error or "")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"this is a text file someone named photo.jpg\n" * 10, "can't use that kind of file"),
    (b"\xff\xd8\xff\xe0" + bytes(30 * 2**20), "too large"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "couldn't open that image"),
])
def test_bad_files_get_a_clear_message_and_leave_nothing(perceiver, tmp_path, data, message):
    result = perceiver.perceive(data)
    assert message in (result.error or "")
    assert not any(p.is_file() for p in (tmp_path / "files").rglob("*"))


def test_decompression_bomb_is_refused(perceiver, tmp_path):
    out = io.BytesIO()
    Image.new("L", (10, 10)).save(out, "PNG")
    data = bytearray(out.getvalue())
    # Claim 50000 x 50000 pixels in the header (and fix its checksum): 2.5 gigapixels.
    ihdr = struct.pack(">II", 50000, 50000) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    result = perceiver.perceive(bytes(data))
    assert "too large to read" in (result.error or "")
    assert not any(p.is_file() for p in (tmp_path / "files").rglob("*"))


def test_store_is_content_addressed(tmp_path):
    store = FileStore(tmp_path)
    data = jpeg(display("E24"))
    first, again = store.put(data), store.put(data)
    assert first == again and first.path.read_bytes() == data
    assert first.path.name == first.sha256 and first.mime == "image/jpeg"
    assert not list(tmp_path.rglob(".incoming-*"))


def test_a_tilted_photo_is_straightened_before_reading(perceiver):
    tilted = display("P0420").rotate(8, expand=True, fillcolor=(12, 14, 12))
    assert "P0420" in perceiver.perceive(jpeg(tilted)).codes


def test_word_error_rate():
    from fixline.cli.bench_media import word_error_rate

    assert word_error_rate("my dishwasher will not drain", "my dishwasher will not drain") == 0
    assert word_error_rate("my dishwasher will not drain", "my dish washer will not rain") == 0.6


def test_a_close_up_with_huge_digits_is_shrunk_before_reading(perceiver):
    # At 200 px Tesseract reads this "1" as "17"; at the height it reads best it does not.
    result = perceiver.perceive(jpeg(display("F21", size=(700, 300), font=200)))
    assert result.codes == ["F21"]


def test_text_height_is_the_tallest_line_between_blank_rows():
    page = np.full((100, 200), 255, dtype=np.uint8)
    page[10:22, 20:180] = 0  # a line 12 rows tall
    page[40:70, 20:180] = 0  # a line 30 rows tall
    assert text_height(page) == 30
    page[95:, 20:180] = 0  # ink running off the bottom edge: the height cannot be told
    assert text_height(page) is None
    assert text_height(np.full((50, 50), 255, dtype=np.uint8)) is None
