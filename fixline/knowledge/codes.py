"""The code book: what an error code means, for this brand and kind of equipment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.core.db import reader
from fixline.knowledge.models import ErrorCode


@dataclass(frozen=True)
class CodeMeaning:
    code: str
    canonical: str
    brand: str
    family: str
    title: str
    meaning: str
    causes: tuple[tuple[str, float], ...]
    action: str
    safety: bool
    source: str


class CodeBook:
    def __init__(self, db: AsyncEngine) -> None:
        self._db = db

    async def lookup(self, codes: Sequence[str], *, brand: str | None = None,
                     family: str | None = None) -> list[CodeMeaning]:
        """Meanings of the codes, the best fitting first: the customer's brand and kind of
        equipment when known, generic OBD-II for cars."""
        wanted = [c.upper().replace(" ", "") for c in codes]
        if not wanted:
            return []
        async with reader(self._db).connect() as conn:
            rows = (await conn.execute(select(ErrorCode.__table__)
                                       .where(ErrorCode.code.in_(wanted)))).all()
        meanings = [CodeMeaning(r.code, r.canonical, r.brand, r.family, r.title, r.meaning,
                                tuple((str(t), float(w)) for t, w in r.causes),
                                r.action, r.safety, r.source)
                    for r in rows]

        def fit(m: CodeMeaning) -> tuple[int, int, int]:
            brand_fit = 2 if brand and m.brand.lower() == brand.lower() else (1 if not m.brand else 0)
            family_fit = 1 if family and m.family == family else 0
            return (family_fit, brand_fit, -wanted.index(m.code))

        meanings.sort(key=fit, reverse=True)
        if family:
            # A code means nothing for another kind of equipment (F1 on a GE oven is not
            # F1 on an Ideal boiler).
            meanings = [m for m in meanings if m.family == family]
        if brand and any(m.brand.lower() == brand.lower() for m in meanings):
            meanings = [m for m in meanings if m.brand.lower() == brand.lower() or not m.brand]
        return meanings
