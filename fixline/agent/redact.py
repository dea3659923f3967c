"""Personal data out of what leaves for an LLM or a log line."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?<![\w])(?:\+|00)?\d[\d\s().-]{7,}\d(?![\w])")
_VIN = re.compile(r"\b([A-HJ-NPR-Z0-9]{11})([A-HJ-NPR-Z0-9]{6})\b")


def redact(text: str) -> str:
    """Emails and phone numbers replaced; a VIN keeps what identifies the model (make,
    model, year, plant: the first 11 characters), not the serial number."""
    text = _EMAIL.sub("[email]", text)
    text = _VIN.sub(lambda m: m.group(1) + "******" if re.search(r"\d", m.group(0)) and
                    re.search(r"[A-Z]", m.group(0)) else m.group(0), text)
    return _PHONE.sub("[phone]", text)
