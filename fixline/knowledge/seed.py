"""`fixline seed`: the expert articles and code tables into the index and the code book.
Idempotent: documents are upserted by id and the code book is replaced in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.core.db import writing
from fixline.knowledge.content import (
    CodeEntry,
    article_doc,
    articles,
    code_doc,
    obdex_codes,
    repository_codes,
)
from fixline.knowledge.models import ErrorCode
from fixline.knowledge.store import KnowledgeStore


@dataclass
class SeedReport:
    articles: int
    code_documents: int
    codes: int
    obdex_codes: int


def seed_documents(store: KnowledgeStore, advance: Callable[[int], None] | None = None,
                   total: Callable[[int], None] | None = None) -> tuple[int, int]:
    docs = [article_doc(a) for a in articles()]
    n_articles = len(docs)
    docs += [code_doc(e) for e in _unique(repository_codes())]
    if total:
        total(len(docs))
    store.upsert(docs, advance)
    return n_articles, len(docs) - n_articles


async def seed_codes(db: AsyncEngine, obd_path: Path | None) -> tuple[int, int]:
    entries = _unique(repository_codes())
    extra = []
    if obd_path is not None:
        known = {(e.code, e.brand, e.family) for e in entries}
        extra = [e for e in obdex_codes(obd_path) if (e.code, e.brand, e.family) not in known]
    rows = []
    for entry in [*entries, *extra]:
        rows.append(_row(entry, entry.code))
        rows.extend(_row(entry, alias) for alias in entry.aliases if alias != entry.code)
    rows = list({(r["code"], r["brand"], r["family"]): r for r in rows}.values())
    async with writing(db) as conn:
        await conn.execute(delete(ErrorCode))
        for start in range(0, len(rows), 2000):
            await conn.execute(insert(ErrorCode), rows[start:start + 2000])
    return len(entries), len(extra)


def _row(entry: CodeEntry, code: str) -> dict[str, object]:
    return {"code": code, "brand": entry.brand, "family": entry.family, "title": entry.title[:300],
            "meaning": entry.meaning, "causes": [list(c) for c in entry.causes],
            "action": entry.action, "safety": entry.safety, "source": entry.source[:300],
            "canonical": entry.code}


def _unique(entries: object) -> list[CodeEntry]:
    seen: dict[tuple[str, str, str], CodeEntry] = {}
    for e in entries:  # type: ignore[attr-defined]
        seen.setdefault((e.code, e.brand, e.family), e)
    return list(seen.values())
