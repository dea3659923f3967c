"""Replies that leave outside a request: each channel registers a sender at start, and
the outbox event conversation.reply is delivered through it (with the dispatcher's
retries and backoff). Every provider send is recorded in `deliveries`, which is what
makes a redelivered event harmless and a failed send visible."""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.core.clock import utcnow
from fixline.core.customers import ChannelIdentity
from fixline.core.db import insert_ignoring_duplicates, reader, writing
from fixline.core.dispatcher import PermanentFailure
from fixline.core.ids import new_id
from fixline.core.outbox import Event
from fixline.dialogs.messages import Button, Reply, ReplyFile
from fixline.dialogs.models import Delivery

log = logging.getLogger(__name__)

REPLY_TOPIC = "conversation.reply"


class ChannelSender(Protocol):
    def parts(self, reply: Reply) -> Sequence[Any]:
        """The provider messages a reply takes (SMS segments, Telegram's length limit)."""
        ...

    async def send_part(self, address: str, part: Any) -> str | None:
        """Hands one message to the provider; returns its message id. Raises
        PermanentFailure when retrying cannot help."""
        ...


class RecipientGone(PermanentFailure):
    """The person blocked the bot or unsubscribed: stop sending until they come back."""


class NoSender(LookupError):
    pass


def reply_event(channel: str, address: str, reply: Reply) -> Event:
    data = reply.to_dict()
    if reply.file is not None:
        # The bytes travel in the event (an /export is small); the transcript keeps only the name.
        data["file"] = {"filename": reply.file.filename, "mime": reply.file.mime,
                        "data": base64.b64encode(reply.file.data).decode()}
    return Event(REPLY_TOPIC, {"channel": channel, "address": address, "reply": data})


def reply_from_dict(data: dict[str, Any]) -> Reply:
    buttons = tuple(Button(b["label"], b["action"]) for b in data.get("buttons", ()))
    f = data.get("file")
    file = ReplyFile(f["filename"], f["mime"], base64.b64decode(f["data"])) if f and "data" in f else None
    return Reply(text=str(data["text"]), buttons=buttons, link=data.get("link"), file=file)


class Senders:
    def __init__(self, db: AsyncEngine | None = None) -> None:
        self._by_channel: dict[str, ChannelSender] = {}
        self._db = db

    def register(self, channel: str, sender: ChannelSender) -> None:
        self._by_channel[channel] = sender

    def channels(self) -> list[str]:
        return list(self._by_channel)

    async def deliver(self, event: Event) -> None:
        """Outbox handler for conversation.reply."""
        channel, address = str(event.payload["channel"]), str(event.payload["address"])
        sender = self._by_channel.get(channel)
        if sender is None:
            raise NoSender(f"no sender registered for channel {channel!r}")
        reply = reply_from_dict(event.payload["reply"])
        parts = list(sender.parts(reply))
        if self._db is None or event.id is None:
            for part in parts:
                await sender.send_part(address, part)
            return
        done = await self._recorded_parts(event.id)
        if not done and await opted_out(self._db, channel, address):
            await self._record(event.id, 0, channel, address, None, "suppressed",
                               "the recipient opted out")
            return
        for number, part in enumerate(parts):
            if number in done:
                continue  # sent before a crash or a later part's failure: not sent twice
            try:
                provider_id = await sender.send_part(address, part)
            except PermanentFailure as exc:
                await self._record(event.id, number, channel, address, None, "failed", str(exc))
                if isinstance(exc, RecipientGone):
                    await set_opted_out(self._db, channel, address, True)
                raise
            # Recorded at once: a status callback for this part may come before the next.
            await self._record(event.id, number, channel, address, provider_id, "sent", None)

    async def _recorded_parts(self, event_id: uuid.UUID) -> set[int]:
        async with reader(self._db).connect() as conn:  # type: ignore[arg-type]
            found = await conn.execute(select(Delivery.part).where(Delivery.event_id == event_id))
            return set(found.scalars())

    async def _record(self, event_id: uuid.UUID, part: int, channel: str, address: str,
                      provider_id: str | None, status: str, error: str | None) -> None:
        now = utcnow()
        assert self._db is not None
        async with writing(self._db) as conn:
            await conn.execute(insert_ignoring_duplicates(conn.dialect, Delivery.__table__), [
                {"id": new_id(), "event_id": event_id, "part": part, "channel": channel,
                 "address": address, "provider_message_id": provider_id, "status": status,
                 "error": error[:2000] if error else None, "created_at": now, "updated_at": now}])


# How far a message has got; a status callback never moves it back (Twilio's callbacks can
# arrive out of order: a late "sent" must not overwrite "delivered").
PROGRESS = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "undelivered": 4,
            "failed": 4, "read": 5}


async def update_delivery(db: AsyncEngine, channel: str, provider_message_id: str, status: str,
                          error: str | None = None) -> int:
    """A provider's status callback (Twilio: queued, sent, delivered, undelivered, failed,
    read); returns how many rows it moved on."""
    rank = PROGRESS.get(status, 3)
    behind = [s for s, r in PROGRESS.items() if r < rank or (r == rank and s == status)]
    async with writing(db) as conn:
        result = await conn.execute(
            update(Delivery)
            .where(Delivery.channel == channel, Delivery.provider_message_id == provider_message_id,
                   Delivery.status.in_(behind))
            .values(status=status[:16], error=error, updated_at=utcnow()))
    return int(result.rowcount or 0)


async def opted_out(db: AsyncEngine, channel: str, address: str) -> bool:
    async with reader(db).connect() as conn:
        found = await conn.execute(select(ChannelIdentity.opted_out_at).where(
            ChannelIdentity.channel == channel, ChannelIdentity.address == address))
        return found.scalar() is not None


async def set_opted_out(db: AsyncEngine, channel: str, address: str, value: bool) -> None:
    """STOP / START on SMS, a blocked or unblocked bot on Telegram."""
    async with writing(db) as conn:
        await conn.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.address == address)
            .values(opted_out_at=utcnow() if value else None))
