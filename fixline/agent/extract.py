"""Error codes in free text: OBD-II codes and the short codes appliances show."""

from __future__ import annotations

import re
from functools import cache
from itertools import product

from fixline.knowledge.content import repository_codes

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


# What each spoken form above starts with: a code letter standing alone, then a space or a
# hyphen and a word or digit. Most messages have none, and one scan for it is cheaper than
# the three rewrites.
_SPOKEN_START = re.compile(r"\b[PBCUEF][\s-]+[a-z\d]", re.IGNORECASE)


def normalise_spoken(text: str) -> str:
    """Codes as people say them, as codes: "P zero three zero one" -> "P0301",
    "E twenty four" -> "E24", "F 0 5" -> "F05"."""
    if not _SPOKEN_START.search(text):
        return text
    return _rewrite_spoken(text)


def _rewrite_spoken(text: str) -> str:
    """The three rewrites of `normalise_spoken`, with no shortcut."""

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
    if on_display:
        return _codes_in(text, True)
    # Each scan is costly (a word boundary at every position); one quick search says
    # whether it could find anything: every code with a digit has a letter next to it
    # ("E24", "P0301", "4C"), and the letter pairs ("OE") are two capitals.
    numbers = _NUMBER_HINT.search(text) is not None
    letters = _PAIR_HINT.search(text) is not None
    if not (numbers or letters):
        return []
    return _codes_in(text, False, numbers=numbers, letters=letters)


_NUMBER_HINT = re.compile(r"[a-z][-\s]?\d|\d[a-z]", re.IGNORECASE)
_PAIR_HINT = re.compile(r"[A-Z]{2}")
_PAIRS_WITHOUT_CUE = frozenset({"OE", "UE", "DE", "LE", "IE", "SUD"})


def _codes_in(text: str, on_display: bool, *, numbers: bool = True,
              letters: bool = True) -> list[str]:
    """The rule itself: with `numbers` and `letters` (the default) every scan runs. The
    cue word is looked for once a code needs it ("E24" counts with or without one)."""
    found: list[str] = []
    cue: bool | None = True if on_display else None
    for m in _OBD.finditer(text) if numbers else ():
        found.append((m.group(1) + m.group(2)).upper())
    for m in _APPLIANCE_ALNUM.finditer(text) if numbers else ():
        code = _SEPARATORS.sub("", m.group(1)).upper()
        if code[0].isdigit() or code[0] in "HL":  # "2 hours", "3D", "H2O": only with a cue word
            if cue is None:
                cue = _CODE_CUE.search(text) is not None
            if not cue:
                continue
        found.append(code)
    for m in _APPLIANCE_LETTERS.finditer(text) if letters else ():
        if m.group(1) not in _PAIRS_WITHOUT_CUE:
            if cue is None:
                cue = _CODE_CUE.search(text) is not None
            if not cue:
                continue
        found.append(m.group(1).upper())
    return list(dict.fromkeys(found))


# Whisper writes a spoken code letter as the word it sounds like: "error E 24" comes out
# as "error eat 24". Only right after a cue word, so "I eat 2 apples" stays as it is.
_HEARD_LETTERS = {"eat": "E", "ee": "E", "he": "E", "ef": "F", "eff": "F"}
_HEARD_CODE = re.compile(r"\b(code|error|err|displays?|displaying|shows?|showing|says|flash\w*|"
                         r"blink\w*)([\s,:]+(?:an?\s+|the\s+)?)(eat|ee|he|eff?)[\s-]*(\d{1,2})\b",
                         re.IGNORECASE)
# Digits read out one by one are sometimes written with hyphens: "P0-3-0-1".
_HYPHENATED = re.compile(r"\b([PBCUEF]\d)((?:-\d){2,3})\b", re.IGNORECASE)
# The E-set: letter names that differ only in their first consonant (B, C, D, E, G, P, T,
# V, Z), the letters speech recognisers confuse most.
_E_SET = "BCDEGPTVZ"


def repair_transcript(text: str) -> str:
    """A transcript's misheard code letters put back: "shows eat 24" -> "shows E24",
    "P0-3-0-1" -> "P0301"."""
    text = _HEARD_CODE.sub(lambda m: m.group(1) + m.group(2) + _HEARD_LETTERS[m.group(3).lower()]
                           + m.group(4), text)
    return _HYPHENATED.sub(lambda m: m.group(1) + m.group(2).replace("-", ""), text)


@cache
def known_codes() -> frozenset[str]:
    """Every code and alias in the code tables."""
    return frozenset(c for e in repository_codes() for c in (e.code, *e.aliases))


def book_sibling(code: str) -> str:
    """A heard code the code tables do not know, whose letter has exactly one E-set
    sibling they do know, is that sibling ("B0301" -> "P0301"); otherwise the code as heard
    ("5V" stays: both 5C and 5E exist)."""
    known = known_codes()
    at = next((i for i, c in enumerate(code) if c.isalpha()), None)
    if code in known or at is None or code[at] not in _E_SET:
        return code
    siblings = [s for s in (code[:at] + letter + code[at + 1:] for letter in _E_SET) if s in known]
    return siblings[0] if len(siblings) == 1 else code


def find_spoken_codes(text: str) -> list[str]:
    """Codes in a speech transcript: misheard letters repaired, then checked against the
    code tables."""
    return list(dict.fromkeys(book_sibling(c) for c in find_codes(repair_transcript(text))))


# Characters a display font draws alike, both ways round.
_DISPLAY_TWINS = {"S": "5", "5": "S", "O": "0", "0": "O", "I": "1", "1": "I", "B": "8", "8": "B",
                  "Z": "2", "2": "Z"}


def book_lookalike(code: str) -> str:
    """A code read off a display that the code tables do not know, when exactly one of its
    look-alike readings is known, is that reading ("SE" -> "5E"); otherwise as read."""
    known = known_codes()
    if code in known:
        return code
    choices = [(c, _DISPLAY_TWINS[c]) if c in _DISPLAY_TWINS else (c,) for c in code]
    readings = {"".join(r) for r in product(*choices)} & known
    return readings.pop() if len(readings) == 1 else code


def find_display_codes(text: str) -> list[str]:
    """Codes in text read off a display (OCR), checked against the code tables."""
    return list(dict.fromkeys(book_lookalike(c) for c in find_codes(text, on_display=True)))
