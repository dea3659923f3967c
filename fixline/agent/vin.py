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


def find_vins(text: str) -> list[str]:
    """Candidate VINs in text whose check digit is right (European VINs often have no
    check digit; those are still returned when they contain both letters and digits)."""
    found = []
    for m in VIN.finditer(text.upper()):
        candidate = m.group(0)
        if re.search(r"\d", candidate) and re.search(r"[A-Z]", candidate):
            found.append(candidate)
    return found
