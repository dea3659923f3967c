"""How many SMS segments a text costs: GSM-7 (160 characters alone, 153 per part of a
concatenated message) unless one character falls outside the GSM 03.38 alphabet, in which
case the whole message goes as UCS-2 (70 alone, 67 per part). PyPI has a GSM 03.38 codec
(gsm0338) but it is not a dependency here, and counting needs only the two tables."""

from __future__ import annotations

BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Sent as an escape plus the character: two septets each.
EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7, UCS2 = "GSM-7", "UCS-2"
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}  # a concatenated part loses room to its header

# Punctuation that typesetting (and our own copy) likes but GSM-7 lacks: one curly quote
# would turn a plain English reply into UCS-2 and more than double its cost.
PLAIN = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
    "“": '"', "”": '"', "„": '"', "″": '"',
    "–": "-", "—": "-", "‑": "-", "−": "-", "•": "-",
    "…": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
})


def plain(text: str) -> str:
    return text.translate(PLAIN)


def encoding(text: str) -> str:
    return GSM7 if all(c in BASIC or c in EXTENSION for c in text) else UCS2


def _units(text: str, scheme: str) -> list[int]:
    """What each character costs: septets in GSM-7, UTF-16 code units in UCS-2."""
    if scheme == GSM7:
        return [2 if c in EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def segments(text: str) -> int:
    """The number of SMS segments the text is billed and sent as."""
    if not text:
        return 0
    scheme = encoding(text)
    units = _units(text, scheme)
    if sum(units) <= SINGLE[scheme]:
        return 1
    count, used = 1, 0
    for unit in units:
        # An escaped character or a surrogate pair is never split across two parts.
        if used + unit > PART[scheme]:
            count, used = count + 1, 0
        used += unit
    return count
