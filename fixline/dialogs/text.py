"""Making what a customer sent safe to store and reason about."""

from __future__ import annotations

import re
import unicodedata

from fixline.agent.text import words

__all__ = ["clean_text", "looks_like_garbage", "storable", "words"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGIT = re.compile(r"\d")
_LETTERS = re.compile(r"[^\W\d_]+")
_VOWEL = re.compile(r"[aeiouyäöüéèàáíóú]")


def storable(raw: str) -> str:
    """Text every database accepts: lone surrogates replaced, NUL and other control
    characters (but newlines and tabs) dropped."""
    if raw.isprintable():  # most messages: no surrogate, no control character, nothing to do
        return raw
    return _made_storable(raw)


def _made_storable(raw: str) -> str:
    """The rule itself, with no shortcut."""
    return _CONTROL.sub("", raw.encode("utf-8", "replace").decode("utf-8"))


def clean_text(raw: str, limit: int) -> tuple[str, bool]:
    """Returns the text fit for storage and whether it had to be truncated.

    Lone surrogates (possible in JSON) and NUL bytes (PostgreSQL refuses them in text)
    are replaced; other control characters are dropped; length is capped.
    """
    text = unicodedata.normalize("NFC", storable(raw)).strip()
    if len(text) > limit:
        return text[:limit], True
    return text, False


def looks_like_garbage(text: str) -> bool:
    """Keyboard mashing or symbols only: nothing a person could have meant as words."""
    if not any(map(str.isalpha, text)):
        return not _DIGIT.search(text)
    tokens = _LETTERS.findall(text.lower())
    if not tokens:
        return False
    vowel_less = sum(1 for t in tokens if len(t) > 4 and not _VOWEL.search(t))
    return vowel_less == len(tokens)
