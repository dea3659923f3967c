"""The background half of a photo or voice note: the outbox delivers media.received here
(in `fixline serve` or a separate `fixline worker`), perception runs off the request path,
the result is recorded in the files table and fed back into the conversation, and the
replies go out through the channel's sender."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.agent.perception import Perceiver
from fixline.core.clock import utcnow
from fixline.core.db import insert_ignoring_duplicates, reader, writing
from fixline.core.files import FileRow, FileStore
from fixline.core.outbox import Event
from fixline.dialogs.engine import ConversationEngine
from fixline.dialogs.messages import Inbound
from fixline.dialogs.steps.media import PERCEIVED


class MediaWorker:
    def __init__(self, engine: ConversationEngine, perceiver: Perceiver, store: FileStore,
                 db: AsyncEngine) -> None:
        self._engine = engine
        self._perceiver = perceiver
        self._store = store
        self._db = db

    async def __call__(self, event: Event) -> None:
        p = event.payload
        try:
            data = await asyncio.to_thread(self._store.read, str(p["sha256"]))
        except OSError:
            result_data = {"error": "I couldn't find that file any more. Please send it again."}
            perception = None
        else:
            perception = await asyncio.to_thread(self._perceiver.perceive, data)
            result_data = {"kind": perception.kind, "text": perception.text, "codes": perception.codes,
                           "vins": perception.vins, "sha256": perception.sha256,
                           "error": perception.error}
        if perception is not None:
            await self._record(event, perception.kind or str(p["kind"]), perception.mime or "",
                               len(data), perception.text, perception.error)
        await self._engine.deliver(Inbound(
            channel=str(p["channel"]), address=str(p["address"]),
            message_id=f"internal:perceived:{event.id}", action=PERCEIVED,
            data={**result_data, "event": str(event.id)},
        ))

    async def _record(self, event: Event, kind: str, mime: str, size: int, text: str,
                      error: str | None) -> None:
        p = event.payload
        async with writing(self._db) as conn:
            await conn.execute(insert_ignoring_duplicates(conn.dialect, FileRow.__table__), [{
                "id": event.id or uuid.uuid4(), "case_id": uuid.UUID(str(p["case_id"])),
                "customer_id": None, "kind": kind, "mime": mime, "size": size,
                "sha256": str(p["sha256"]), "status": "failed" if error else "processed",
                "transcript": text if kind == "voice" else None,
                "ocr_text": text if kind == "photo" else None, "error": error, "created_at": utcnow(),
            }])


class FileEraser:
    """After /forget: the customer's photos and recordings leave the disk too, unless the
    same bytes (same sha256) still belong to someone else's case."""

    def __init__(self, store: FileStore, db: AsyncEngine) -> None:
        self._store = store
        self._db = db

    async def __call__(self, event: Event) -> None:
        shas = [str(s) for s in event.payload.get("files", [])]
        if not shas:
            return
        async with reader(self._db).connect() as conn:
            kept = set((await conn.execute(
                select(FileRow.sha256).where(FileRow.sha256.in_(shas)))).scalars())
        for sha in shas:
            if sha not in kept:
                await asyncio.to_thread(self._store.delete, sha)
