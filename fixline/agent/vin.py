"""VINs: 17 characters, no I, O or Q, a check digit (North American rule), decoded offline."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vininfo import Vin

VIN = re.compile(r"\b[A-HJ-NPR-Z0-9]{17}\b")


@dataclass(frozen=True)
class DecodedVin:
    vin: str
    make: str | None
    country: str | None
    years: tuple[int, ...]
    check_digit_ok: bool


def decode_vin(vin: str) -> DecodedVin:
    """Raises ValueError for text that is not a VIN at all."""
    vin = vin.strip().upper()
    if not VIN.fullmatch(vin):
        raise ValueError("a VIN has 17 letters and digits, without I, O or Q")
    info = Vin(vin)
    try:
        check = bool(info.verify_checksum())
    except Exception:
        check = False
    years = tuple(info.years) if getattr(info, "years", None) else ()
    return DecodedVin(vin, info.manufacturer or None, info.country or None, years, check)


# Characters OCR confuses, and what they were more likely to be in a VIN.
_LOOKALIKES = {"T": "1", "L": "1", "S": "5", "Z": "2", "B": "8", "G": "6", "D": "0", "1": "T", "5": "S",
               "8": "B", "0": "D"}
_OCR_VIN = re.compile(r"\b[A-Z0-9]{17}\b")


def check_digit_ok(vin: str) -> bool:
    try:
        return bool(Vin(vin).verify_checksum())
    except Exception:
        return False


def find_vins(text: str, ocr: bool = False) -> list[str]:
    """VINs in text: 17 characters with letters and digits. Read off a photo (ocr=True),
    I/O/Q become 1/0/0 (never used in VINs), and a candidate whose check digit fails is
    tried with one look-alike character swapped: the check digit exists to catch exactly
    such misreadings (VINs without one, as in Europe, are kept as read)."""
    text = text.upper()
    if ocr:
        text = _OCR_VIN.sub(lambda m: m.group(0).replace("I", "1").replace("O", "0").replace("Q", "0"),
                            text)
    found = []
    for m in VIN.finditer(text):
        candidate = m.group(0)
        if not (re.search(r"\d", candidate) and re.search(r"[A-Z]", candidate)):
            continue
        if ocr and not check_digit_ok(candidate):
            candidate = _repaired(candidate) or candidate
        found.append(candidate)
    return list(dict.fromkeys(found))


def _repaired(vin: str) -> str | None:
    for i, char in enumerate(vin):
        swap = _LOOKALIKES.get(char)
        if swap and i != 8:
            trial = vin[:i] + swap + vin[i + 1:]
            if check_digit_ok(trial):
                return trial
    return None
