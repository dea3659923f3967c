"""The diagnosis seam: what the conversation hands over and what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Equipment:
    category: str | None = None
    make: str | None = None
    model: str | None = None
    year: int | None = None
    vin: str | None = None

    def describe(self) -> str:
        parts = [str(self.year) if self.year else None, self.make, self.model]
        named = " ".join(p for p in parts if p)
        category = (self.category or "equipment").replace("_", " ")
        return f"{named} ({category})" if named else category


@dataclass(frozen=True, slots=True)
class CaseFacts:
    equipment: Equipment
    symptoms: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    follow_ups_asked: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.symptoms)


@dataclass(frozen=True, slots=True)
class Cause:
    title: str
    likelihood: float
    steps: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    safety: bool = False
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Diagnosis:
    causes: tuple[Cause, ...]
    confidence: float
    follow_up: str | None = None
    safety_warnings: tuple[str, ...] = ()
    model: str = "none"
    latency_ms: float = 0.0
    tokens: int = 0
    notes: tuple[str, ...] = field(default=())
    # The score before calibration: what `fixline train` refits the calibrator on.
    raw_confidence: float | None = None
    # Readable names for the source ids the causes cite, as (id, title) pairs.
    source_titles: tuple[tuple[str, str], ...] = ()

    def title_of(self, source: str) -> str:
        return dict(self.source_titles).get(source, source)

    @property
    def available(self) -> bool:
        return bool(self.causes) or self.follow_up is not None or bool(self.safety_warnings)

    @property
    def safety(self) -> bool:
        return bool(self.safety_warnings) or any(c.safety for c in self.causes)

    def to_dict(self) -> dict[str, Any]:
        # By hand: dataclasses.asdict deep-copies every value and showed up on the turn path.
        return {
            "causes": [{"title": c.title, "likelihood": c.likelihood, "steps": list(c.steps),
                        "parts": list(c.parts), "safety": c.safety, "sources": list(c.sources)}
                       for c in self.causes],
            "confidence": self.confidence, "follow_up": self.follow_up,
            "safety_warnings": list(self.safety_warnings), "model": self.model,
            "latency_ms": self.latency_ms, "tokens": self.tokens, "notes": list(self.notes),
            "raw_confidence": self.raw_confidence,
            "source_titles": [list(pair) for pair in self.source_titles],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        causes = tuple(
            Cause(
                title=c["title"],
                likelihood=float(c["likelihood"]),
                steps=tuple(c.get("steps", ())),
                parts=tuple(c.get("parts", ())),
                safety=bool(c.get("safety", False)),
                sources=tuple(c.get("sources", ())),
            )
            for c in data.get("causes", ())
        )
        return cls(
            causes=causes,
            confidence=float(data.get("confidence", 0.0)),
            follow_up=data.get("follow_up"),
            safety_warnings=tuple(data.get("safety_warnings", ())),
            model=data.get("model", "none"),
            latency_ms=float(data.get("latency_ms", 0.0)),
            tokens=int(data.get("tokens", 0)),
            notes=tuple(data.get("notes", ())),
            raw_confidence=data.get("raw_confidence"),
            source_titles=tuple((str(a), str(b)) for a, b in data.get("source_titles", ())),
        )


class Diagnostician(Protocol):
    async def diagnose(self, facts: CaseFacts) -> Diagnosis: ...


class NoDiagnostician:
    """Stands in until a knowledge base is wired in: it says plainly that it cannot
    diagnose, so the conversation never presents an invented answer."""

    async def diagnose(self, facts: CaseFacts) -> Diagnosis:
        return Diagnosis(causes=(), confidence=0.0, model="none", notes=("not_available",))
