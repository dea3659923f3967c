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
_CODE_CUE = re.compile(r"\b(code|error|err|display|shows?|showing|flash\w*|blink\w*|says|samsung|lg|"
                       r"whirlpool|bosch|maytag|miele|electrolux|frigidaire|kenmore|beko|hotpoint|"
                       r"washer|dryer|dishwasher|fridge|oven|boiler)\b", re.I)


_NUMBER_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
                 "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_SPOKEN = re.compile(
    r"\b([PBCUEF])((?:[\s-]+(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d))+)\b",
    re.IGNORECASE)
_TEENS = {"ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
          "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19"}
_TENS = {"twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7",
         "eighty": "8", "ninety": "9"}
_SPOKEN_TENS = re.compile(r"\b([EF])[\s-]+(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                          r"(?:[\s-]+(one|two|three|four|five|six|seven|eight|nine))?\b", re.IGNORECASE)
_SPOKEN_TEENS = re.compile(r"\b([EF])[\s-]+(ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                           r"seventeen|eighteen|nineteen)\b", re.IGNORECASE)


def normalise_spoken(text: str) -> str:
    """Codes as people say them, as codes: "P zero three zero one" -> "P0301",
    "E twenty four" -> "E24", "F 0 5" -> "F05"."""

    def digits(m: re.Match[str]) -> str:
        parts = re.split(r"[\s-]+", m.group(2).strip(" -"))
        return m.group(1).upper() + "".join(_NUMBER_WORDS.get(p.lower(), p) for p in parts)

    def tens(m: re.Match[str]) -> str:
        unit = _NUMBER_WORDS[m.group(3).lower()] if m.group(3) else "0"
        return m.group(1).upper() + _TENS[m.group(2).lower()] + unit

    text = _SPOKEN_TENS.sub(tens, text)
    text = _SPOKEN_TEENS.sub(lambda m: m.group(1).upper() + _TEENS[m.group(2).lower()], text)
    return _SPOKEN.sub(digits, text)


_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "S": "5", "s": "5", "I": "1", "l": "1", "Z": "2",
                            "B": "8"})
_DISPLAY_TOKEN = re.compile(r"\b([EFPBCU])([0-9OoSsIlZB]{2,4})\b")


def repair_display(text: str) -> str:
    """OCR reads 0 as O and 5 as S on displays: in a token shaped like a code (a letter,
    then two to four digit-like characters with at least one real digit, or all of them
    look-alikes after E/F), the look-alikes become digits: "FOS" -> "F05", "PO3O1" -> "P0301"."""

    def fix(m: re.Match[str]) -> str:
        tail = m.group(2)
        if tail.isdigit():
            return m.group(0)
        return m.group(1) + tail.translate(_LOOKALIKE)

    return _DISPLAY_TOKEN.sub(fix, text)


def find_codes(text: str, on_display: bool = False) -> list[str]:
    """Codes in the order they appear, upper-cased, without duplicates. Text read off a
    display (OCR) needs no cue word: what a display shows is the code."""
    text = normalise_spoken(repair_display(text) if on_display else text)
    found: list[str] = []
    for m in _OBD.finditer(text):
        found.append((m.group(1) + m.group(2)).upper())
    cue = on_display or bool(_CODE_CUE.search(text))
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
