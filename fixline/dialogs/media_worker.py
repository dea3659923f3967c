"""The background half of a photo or voice note: the outbox delivers media.received here
(in `fixline serve` or a separate `fixline worker`), perception runs off the request path,
the result is recorded in the files table and fed back into the conversation, and the
replies go out through the channel's sender."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Protocol

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

log = logging.getLogger(__name__)
FETCH_DELAYS = (1.0, 3.0)  # seconds between the attempts to download a channel's file


class MediaFetcher(Protocol):
    async def fetch(self, ref: str) -> bytes:
        """The bytes behind a channel's file handle (Telegram file id, Twilio media URL).
        Raises FetchFailed with a message fit for the customer."""
        ...


class FetchFailed(Exception):
    pass


class Fetchers:
    """Per channel, how to download what a customer attached; registered at start."""

    def __init__(self, delays: tuple[float, ...] = FETCH_DELAYS) -> None:
        self._by_channel: dict[str, MediaFetcher] = {}
        self.delays = delays

    def register(self, channel: str, fetcher: MediaFetcher) -> None:
        self._by_channel[channel] = fetcher

    async def fetch(self, channel: str, ref: str) -> bytes:
        fetcher = self._by_channel.get(channel)
        if fetcher is None:
            raise FetchFailed(f"I can't download files from {channel} yet.")
        for delay in (*self.delays, None):
            try:
                return await fetcher.fetch(ref)
            except FetchFailed as exc:
                if delay is None:
                    raise
                log.info("fetching a %s file failed (%s); trying again in %g s", channel, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


class MediaWorker:
    def __init__(self, engine: ConversationEngine, perceiver: Perceiver, store: FileStore,
                 db: AsyncEngine, fetchers: Fetchers | None = None) -> None:
        self._engine = engine
        self._perceiver = perceiver
        self._store = store
        self._db = db
        self._fetchers = fetchers or Fetchers()

    async def _bytes(self, payload: dict[str, object]) -> bytes:
        """The file's bytes: from our store, or downloaded from the channel (the perceiver
        then stores them, after checking what they are)."""
        if payload.get("sha256"):
            try:
                return await asyncio.to_thread(self._store.read, str(payload["sha256"]))
            except OSError:
                raise FetchFailed("I couldn't find that file any more. Please send it again.") from None
        return await self._fetchers.fetch(str(payload["channel"]), str(payload["ref"]))

    async def __call__(self, event: Event) -> None:
        p = event.payload
        try:
            data = await self._bytes(dict(p))
        except FetchFailed as exc:
            result_data = {"error": str(exc)}
            perception = None
        else:
            perception = await asyncio.to_thread(self._perceiver.perceive, data)
            result_data = {"kind": perception.kind, "text": perception.text, "codes": perception.codes,
                           "vins": perception.vins, "sha256": perception.sha256,
                           "error": perception.error}
        if perception is not None:
            await self._record(event, perception.sha256, perception.kind or str(p["kind"]),
                               perception.mime or "", len(data), perception.text, perception.error)
        await self._engine.deliver(Inbound(
            channel=str(p["channel"]), address=str(p["address"]),
            message_id=f"internal:perceived:{event.id}", action=PERCEIVED,
            data={**result_data, "event": str(event.id)},
        ))

    async def _record(self, event: Event, sha256: str, kind: str, mime: str, size: int,
                      text: str, error: str | None) -> None:
        p = event.payload
        async with writing(self._db) as conn:
            await conn.execute(insert_ignoring_duplicates(conn.dialect, FileRow.__table__), [{
                "id": event.id or uuid.uuid4(), "case_id": uuid.UUID(str(p["case_id"])),
                "customer_id": None, "kind": kind, "mime": mime, "size": size,
                "sha256": sha256, "status": "failed" if error else "processed",
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
