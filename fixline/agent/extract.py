"""Error codes in free text: OBD-II codes and the short codes appliances show."""

from __future__ import annotations

import re

# OBD-II: P/B/C/U, a digit 0-3, three hex digits. Spoken forms like "P zero three zero one"
# arrive here already normalised by perception.
_OBD = re.compile(r"\b([PBCU])\s?([0-3][0-9A-F]{3})\b", re.IGNORECASE)
# Appliance codes need a cue word or a typical shape, or "E24" in "my E24 reading" is found
# but "4 years" is not: letter+digits (E24, F05, F9E1), digit+letter (4C, 5E), two letters
# from the known set (OE, UE, dE, LE, HE, IE, FE, SE, UB, DC, LO, tE, PE, nF).
_APPLIANCE_ALNUM = re.compile(r"\b([EFHL][-\s]?\d{1,2}(?:[EF]\d)?|F\d[EF]\d|\d[A-Z])\b", re.IGNORECASE)
_APPLIANCE_LETTERS = re.compile(r"\b(OE|UE|UB|DE|DL|LE|HE|IE|FE|SE|DC|DS|LO|TE|PE|NF|CL|SUD|SUDS|DDC)\b")
_SEPARATORS = re.compile(r"[-\s]")
_CODE_CUE = re.compile(r"\b(code|error|err|display|shows?|showing|flash\w*|blink\w*|says)\b", re.I)


def find_codes(text: str) -> list[str]:
    """Codes in the order they appear, upper-cased, without duplicates."""
    found: list[str] = []
    for m in _OBD.finditer(text):
        found.append((m.group(1) + m.group(2)).upper())
    cue = bool(_CODE_CUE.search(text))
    for m in _APPLIANCE_ALNUM.finditer(text):
        code = _SEPARATORS.sub("", m.group(1)).upper()
        if code[0].isdigit() and not cue:
            continue  # "2 hours", "3D": only with a cue word
        if code[0] in "HL" and not cue:
            continue
        found.append(code)
    for m in _APPLIANCE_LETTERS.finditer(text):
        if cue or m.group(1) in {"OE", "UE", "DE", "LE", "IE", "SUD"}:
            found.append(m.group(1).upper())
    return list(dict.fromkeys(found))
