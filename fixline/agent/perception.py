"""Perception: media into facts. A photo is normalised and read (OCR); the text is
searched for error codes and VINs, each kept with where it came from."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fixline.agent.audio import AudioRejected, to_wav16k
from fixline.agent.extract import find_display_codes, find_spoken_codes
from fixline.agent.images import ImageRejected, normalise
from fixline.agent.ocr import OCR
from fixline.agent.speech import SpeechToText
from fixline.agent.vin import find_vins
from fixline.core.files import FileRejected, FileStore, StoredFile


@dataclass
class Perception:
    kind: str | None
    mime: str | None
    text: str = ""
    codes: list[str] = field(default_factory=list)
    vins: list[str] = field(default_factory=list)
    sha256: str | None = None
    latency_ms: float = 0.0
    error: str | None = None

    @property
    def how(self) -> str:
        return "transcript" if self.kind == "voice" else "ocr"

    def to_dict(self, source: str) -> dict[str, Any]:
        return {"file": source, "kind": self.kind, "mime": self.mime, "sha256": self.sha256,
                "text": self.text,
                "codes": [{"code": c, "source": f"{source} ({self.how})"} for c in self.codes],
                "vins": [{"vin": v, "source": f"{source} ({self.how})"} for v in self.vins],
                "latency_ms": self.latency_ms, "error": self.error}


class Perceiver:
    def __init__(self, store: FileStore, ocr: OCR | None, speech: SpeechToText | None = None) -> None:
        self._store = store
        self._ocr = ocr
        self._speech = speech

    def perceive(self, data: bytes) -> Perception:
        started = time.perf_counter()
        try:
            stored = self._store.put(data)
        except FileRejected as exc:
            return Perception(None, None, error=str(exc), latency_ms=_ms(started))
        result = self._photo(data, stored) if stored.kind == "photo" else self._voice(data, stored)
        result.latency_ms = _ms(started)
        return result

    def _photo(self, data: bytes, stored: StoredFile) -> Perception:
        result = Perception(stored.kind, stored.mime, sha256=stored.sha256)
        if self._ocr is None:
            result.error = "I can't read photos on this server; please type the code you see."
            return result
        try:
            image = normalise(data)
        except ImageRejected as exc:
            self._store.delete(stored.sha256)  # nothing we cannot use stays on disk
            result.error = str(exc)
            return result
        readings = [r for r in self._ocr.read(image) if r]
        result.text = max(readings, key=len) if readings else ""
        result.codes = _agreed([find_display_codes(r) for r in readings])
        result.vins = _agreed([find_vins(r, ocr=True) for r in readings])
        if not result.codes and not result.vins and sum(c.isalnum() for c in result.text) < 3:
            result.text = ""
            result.error = ("I couldn't find any text in that photo. Try a closer, sharper shot of "
                            "the display, or type the code you see.")
        return result


    def _voice(self, data: bytes, stored: StoredFile) -> Perception:
        result = Perception(stored.kind, stored.mime, sha256=stored.sha256)
        if self._speech is None:
            result.error = "I can't listen to recordings on this server; please type what you wanted to say."
            return result
        try:
            wav, _seconds = to_wav16k(data)
        except AudioRejected as exc:
            self._store.delete(stored.sha256)
            result.error = str(exc)
            return result
        result.text = self._speech.transcribe(wav)
        result.codes = find_spoken_codes(result.text)
        result.vins = find_vins(result.text)
        if not result.text:
            result.error = "I couldn't make out any words. Please try again somewhere quieter, or type it."
        return result


def _agreed(found: list[list[str]]) -> list[str]:
    """Codes seen in at least two readings when there are several: one misread form
    ('E2A') must not add a wrong code."""
    counts = Counter(code for codes in found for code in set(codes))
    needed = 2 if len(found) >= 3 else 1
    return [code for code, n in counts.most_common() if n >= needed]


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
