"""Conversation tables: the state of each customer's conversation, their cases, the
transcript, and the durable inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fixline.core.db import ROOM_TO_UPDATE, Base, JSONDoc, UTCDateTime

UNPROCESSED = text("processed_at IS NULL")


class Conversation(Base):
    """One per customer: the state machine's position and its working memory."""

    __tablename__ = "conversations"
    __table_args__ = {"postgresql_with": ROOM_TO_UPDATE}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(32))
    context: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    # Bumped by every write to the conversation (each turn, a /link, a merge): the turn
    # pipeline's cache is valid while the row still holds the version it last wrote.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Case(Base):
    """One problem with one piece of equipment, from first description to outcome."""

    __tablename__ = "cases"
    __table_args__ = {"postgresql_with": ROOM_TO_UPDATE}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))  # open | diagnosed | closed | cancelled
    category: Mapped[str | None] = mapped_column(String(32))
    equipment: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    diagnosis: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    confidence: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(16))  # fixed | not_fixed
    rating: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    diagnosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(Base):
    """The transcript: every message in and out, with the channel it crossed.

    A row belongs to its customer, and only that key is checked: the conversation and
    the case it names are labels, kept right by the code that writes and moves rows
    (erasure deletes a transcript before its conversation, a /link merge moves it first,
    cases are never deleted). Each checked key cost the database a lookup for every row
    of every turn (alembic/versions/0009)."""

    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboxRow(Base):
    """Every inbound message, stored before it is processed; unique per channel message id
    so a redelivery is recognised and acknowledged without a second effect."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "channel_message_id"),
        # Only what recovery looks for: every web-chat message is stored processed, and
        # a full index would grow with each of them for nothing.
        Index("ix_inbox_unprocessed", "received_at", sqlite_where=UNPROCESSED,
              postgresql_where=UNPROCESSED),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_message_id: Mapped[str] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class LinkCode(Base):
    """A short one-time code (/link) that joins another channel to a customer."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))  # where it was asked for
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One message handed to a channel's provider (a reply may take several: SMS segments,
    Telegram's length limit), and what became of it, so a failed send is visible."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "part"),
        Index("ix_deliveries_provider", "channel", "provider_message_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the outbox event it delivered
    part: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # sent | delivered | failed | suppressed …
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
