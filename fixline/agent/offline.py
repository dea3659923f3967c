"""The offline diagnostician: no keys, no network. Hazards first, then what the error
codes mean, then the expert articles that best match the description (hybrid retrieval),
their ranked causes weighted by how well each article matches."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

from fixline.agent.calibration import Calibrator
from fixline.agent.diagnosis import CaseFacts, Cause, Diagnosis
from fixline.agent.extract import find_codes
from fixline.agent.safety import hazards
from fixline.agent.text import words
from fixline.knowledge.codes import CodeBook, CodeMeaning
from fixline.knowledge.search import Hit, HybridSearch, Mode

MODEL = "offline-hybrid-v1"
ARTICLES_USED = 3  # how many best-matching articles contribute causes
CODE_WEIGHT = 1.5  # a code's meaning outweighs a text match of the same strength
WEAK_MATCH = 0.30  # cosine similarity below which a text match is not evidence on its own
RANK_WEIGHTS = (1.0, 0.35, 0.15)
ECHO = 0.3  # a cause named again by a weaker source adds this share of its weight


@dataclass
class _Candidate:
    title: str
    weight: float = 0.0
    best: float = 0.0
    steps: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    safety: bool = False
    sources: list[str] = field(default_factory=list)


class OfflineDiagnostician:
    def __init__(self, search: HybridSearch, codes: CodeBook, mode: Mode = "hybrid",
                 calibrator: Calibrator | None = None) -> None:
        self._search = search
        self._codes = codes
        self._mode = mode
        self._calibrator = calibrator

    async def diagnose(self, facts: CaseFacts) -> Diagnosis:
        started = time.perf_counter()
        text = facts.text
        family = facts.equipment.category if facts.equipment.category not in (None, "other") else None
        brand = facts.equipment.make
        codes = list(dict.fromkeys([*facts.codes, *find_codes(text)]))
        found_hazards = hazards(text, family)
        meanings = await self._codes.lookup(codes, brand=brand, family=family)
        if family is None and meanings:
            family = meanings[0].family
        query = f"{facts.equipment.describe()}: {text}" if facts.equipment.category else text
        hits = await asyncio.to_thread(
            self._search.search, query, families=[family] if family else [], codes=codes,
            brand=brand, k=ARTICLES_USED + 3, mode=self._mode)

        candidates: dict[str, _Candidate] = {}
        titles: dict[str, str] = {}
        for hazard in found_hazards:
            titles[f"safety:{hazard.name}"] = "Fixline safety guidance"
            _add(candidates, hazard.cause, 10.0, (), (), True, f"safety:{hazard.name}")
        for meaning in _best_per_code(meanings):
            source = f"code:{meaning.brand.lower() or 'obd'}:{meaning.canonical}"
            who = meaning.brand or "OBD-II"
            titles[source] = f"{who} code {meaning.canonical}: {meaning.title}"
            for title, likelihood in meaning.causes:
                _add(candidates, title, CODE_WEIGHT * likelihood,
                     (meaning.action,) if meaning.action else (), (), meaning.safety,
                     f"code:{meaning.brand.lower() or 'obd'}:{meaning.canonical}")
        evidence = _article_weights(hits)
        for hit, weight in evidence:
            titles[hit.doc.id] = f"expert article “{hit.doc.title}”"
            for cause in hit.doc.body.get("causes", []):
                _add(candidates, cause["title"], weight * float(cause["likelihood"]),
                     tuple(cause.get("steps", ())), tuple(cause.get("parts", ())),
                     bool(hit.doc.body.get("safety", {}).get("critical")) and cause is
                     hit.doc.body["causes"][0] and bool(found_hazards), hit.doc.id)

        warnings = tuple(h.warning for h in found_hazards)
        best_similarity = max((h.similarity for h in hits), default=0.0)
        if not candidates or (not meanings and not found_hazards and best_similarity < WEAK_MATCH
                              and self._mode != "bm25"):
            return Diagnosis(
                causes=(), confidence=0.0, follow_up=_question(facts, family),
                safety_warnings=warnings, model=MODEL, latency_ms=_ms(started),
                notes=("weak_match",),
            )
        ranked = sorted(candidates.values(), key=lambda c: c.weight, reverse=True)
        total = sum(c.weight for c in ranked)
        causes = tuple(
            Cause(title=c.title, likelihood=round(c.weight / total, 3), steps=c.steps,
                  parts=c.parts, safety=c.safety, sources=tuple(dict.fromkeys(c.sources)))
            for c in ranked[:5]
        )
        raw = _confidence(causes, best_similarity, bool(meanings), bool(found_hazards))
        confidence = self._calibrator(raw) if self._calibrator else raw
        if found_hazards:
            confidence = max(confidence, raw)  # a hazard is certain enough to act on
        cited = {s for c in causes for s in c.sources}
        return Diagnosis(causes=causes, confidence=confidence, safety_warnings=warnings,
                         model=MODEL, latency_ms=_ms(started), raw_confidence=raw,
                         source_titles=tuple((k, v) for k, v in titles.items() if k in cited))


def _add(candidates: dict[str, _Candidate], title: str, weight: float, steps: tuple[str, ...],
         parts: tuple[str, ...], safety: bool, source: str) -> None:
    key = _key(title)
    candidate = candidates.get(key)
    if candidate is None:
        candidate = candidates[key] = _Candidate(title)
    # The strongest source counts fully, further mentions only partly: a generic cause
    # listed in many articles ("dirty filter") must not outvote the best match.
    if weight > candidate.best:
        candidate.weight += weight - candidate.best + ECHO * candidate.best
        candidate.best = weight
    else:
        candidate.weight += ECHO * weight
    if not candidate.steps and steps:
        candidate.steps = steps
    if not candidate.parts and parts:
        candidate.parts = parts
    candidate.safety = candidate.safety or safety
    candidate.sources.append(source)


def _key(title: str) -> str:
    """Causes named alike in different articles count as one."""
    stop = {"a", "an", "the", "or", "and", "of", "faulty", "failed", "failing", "bad", "worn"}
    return " ".join(sorted(w for w in words(re.sub(r"\(.*?\)", "", title)) if w not in stop))


def _best_per_code(meanings: list[CodeMeaning]) -> list[CodeMeaning]:
    seen: set[str] = set()
    best = []
    for meaning in meanings:  # already best first
        if meaning.canonical not in seen:
            seen.add(meaning.canonical)
            best.append(meaning)
    return best


def _article_weights(hits: list[Hit]) -> list[tuple[Hit, float]]:
    """The best articles by fused rank, the leader weighing most: fused rank scores are
    nearly flat (1/61, 1/62 …), so weights go by position; an exact code match on an
    article lifts it to the front already (CODE_BOOST)."""
    top = [h for h in hits if h.doc.kind == "article"][:ARTICLES_USED]
    weights = RANK_WEIGHTS[:len(top)]
    total = sum(weights)
    return [(h, w / total) for h, w in zip(top, weights, strict=True)]


def _confidence(causes: tuple[Cause, ...], similarity: float, coded: bool, hazard: bool) -> float:
    """A first, uncalibrated score from the evidence (fixline train fits the calibrated one)."""
    share = causes[0].likelihood if causes else 0.0
    margin = share - (causes[1].likelihood if len(causes) > 1 else 0.0)
    score = 0.35 * min(1.0, similarity / 0.6) + 0.35 * share + 0.15 * margin
    if coded:
        score += 0.15
    if hazard:
        score = max(score, 0.9)
    return round(max(0.02, min(0.98, score)), 3)


def _question(facts: CaseFacts, family: str | None) -> str:
    if family is None:
        return ("What kind of equipment is it (make and model if you know), and what exactly "
                "happens when you try to use it?")
    return ("Can you tell me more: what exactly happens, when it started, and is there an error "
            "code, warning light, noise, smell or leak?")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
