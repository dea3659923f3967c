"""Hybrid search: meaning (vectors) and words (BM25) mixed, with the documents for an
error code the customer gave put first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fixline.knowledge.content import Doc
from fixline.knowledge.lexical import LexicalIndex
from fixline.knowledge.store import KnowledgeStore

Mode = Literal["hybrid", "bm25", "vector"]
POOL = 40  # candidates taken from each retriever before mixing
VECTOR_SHARE = 0.7  # weight of meaning against words in the hybrid score
CODE_BOOST = 1.0  # an exact code match outranks any text match
BRAND_BOOST = 0.1


@dataclass(frozen=True)
class Hit:
    doc: Doc
    score: float
    similarity: float  # cosine similarity of the best vector match (0 if not retrieved by vector)
    code_match: bool


class HybridSearch:
    def __init__(self, store: KnowledgeStore) -> None:
        self._store = store
        self._docs: list[Doc] = []
        self._by_id: dict[str, Doc] = {}
        self._lexical: LexicalIndex | None = None
        self.refresh()

    def refresh(self) -> None:
        """Re-reads the approved documents (after seeding or a moderation decision)."""
        self._docs = self._store.approved()
        self._by_id = {d.id: d for d in self._docs}
        self._lexical = LexicalIndex(self._docs)

    @property
    def size(self) -> int:
        return len(self._docs)

    def search(self, text: str, *, families: Sequence[str] = (), codes: Sequence[str] = (),
               brand: str | None = None, k: int = 8, mode: Mode = "hybrid") -> list[Hit]:
        """Best documents first. Each retriever's scores are scaled to 0..1 over its own
        candidates (best = 1) and mixed linearly: rank fusion alone would treat the 1st and
        2nd candidate as nearly equal however far apart their scores are."""
        wanted = set(families)
        similarity: dict[str, float] = {}
        lexical: dict[str, float] = {}
        if mode in ("hybrid", "vector") and self._docs:
            similarity = dict(self._store.nearest(text, POOL, wanted))
        if mode in ("hybrid", "bm25") and self._lexical is not None:
            query = " ".join([text, *codes])
            for position, score in self._lexical.search(query, POOL * 4):
                doc = self._docs[position]
                if not wanted or doc.family in wanted:
                    lexical[doc.id] = score
                    if len(lexical) >= POOL:
                        break
        code_set = {c.upper() for c in codes}
        candidates = set(similarity) | set(lexical)
        if code_set and mode != "vector":
            candidates |= {d.id for d in self._docs
                           if code_set & set(d.codes) and (not wanted or d.family in wanted)}
        sim_scaled = _scaled(similarity)
        lex_scaled = _scaled(lexical)
        vector_share = {"hybrid": VECTOR_SHARE, "vector": 1.0, "bm25": 0.0}[mode]
        brand_l = (brand or "").lower()
        hits = []
        for doc_id in candidates:
            doc = self._by_id.get(doc_id)
            if doc is None:
                continue
            score = (vector_share * sim_scaled.get(doc_id, 0.0)
                     + (1 - vector_share) * lex_scaled.get(doc_id, 0.0))
            brands = {b.lower() for b in doc.brands}
            brand_ok = not brands or not brand_l or brand_l in brands
            match = bool(code_set & set(doc.codes)) and brand_ok and mode != "vector"
            if match:
                score += CODE_BOOST
            if brand_l and brand_l in brands:
                score += BRAND_BOOST
            hits.append(Hit(doc, score, similarity.get(doc_id, 0.0), match))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]


def _scaled(scores: dict[str, float]) -> dict[str, float]:
    """0..1 over the candidates: the best is 1, the weakest candidate 0."""
    if not scores:
        return {}
    high, low = max(scores.values()), min(scores.values())
    span = high - low
    return {k: (v - low) / span if span > 0 else 1.0 for k, v in scores.items()}
