"""Transactional outbox: events are rows written in the same transaction as the change
that causes them, so an event exists if and only if its change committed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fixline.core.clock import utcnow
from fixline.core.db import Base, JSONDoc, UTCDateTime
from fixline.core.ids import new_id

UNDELIVERED = text("delivered_at IS NULL AND failed_at IS NULL")


class OutboxRow(Base):
    __tablename__ = "outbox"
    # Only the events still to deliver: most are stored delivered (no handler takes them)
    # or are delivered within a second, and the dispatcher never looks at those again.
    __table_args__ = (Index("ix_outbox_due", "available_at", sqlite_where=UNDELIVERED,
                            postgresql_where=UNDELIVERED),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True, slots=True)
class Event:
    topic: str
    payload: Mapping[str, Any]
    id: uuid.UUID | None = None
    attempts: int = 0

    def row(self, *, delivered: bool = False, now: datetime | None = None) -> dict[str, Any]:
        """Column values for an outbox insert (used by batch writers); `delivered` for an
        event no handler takes (see `Handlers.subscribed`); `now`, the writer's clock
        (a batch's one timestamp) if it has one."""
        now = now or utcnow()
        return {
            "id": self.id or new_id(),
            "topic": self.topic,
            "payload": dict(self.payload),
            "created_at": now,
            "available_at": now,
            "attempts": 0,
            "delivered_at": now if delivered else None,
        }


def publish(session: AsyncSession, topic: str, payload: Mapping[str, Any]) -> None:
    """Stage an event in the caller's transaction; it is delivered once that commits."""
    session.add(OutboxRow(**Event(topic, payload).row()))
