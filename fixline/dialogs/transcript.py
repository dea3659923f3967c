"""Reading transcripts back for channels, many identities in one query."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select

from fixline.core.customers import ChannelIdentity, Identities
from fixline.core.db import planned_each_time
from fixline.dialogs.models import Message

Key = tuple[str, str, int]  # channel, address, how many messages at most


def transcripts_of(keys: list[Key], conn: Connection) -> list[list[dict[str, Any]]]:
    """The last messages of each identity's conversation, oldest first, as a channel
    shows them again (a reloaded web page). Button presses the client made by itself
    (no label) are left out."""
    identities = Identities(dict.fromkeys((c, a) for c, a, _ in keys))
    with planned_each_time(conn):
        rows = conn.execute(_last_messages(identities.channels),
                            {**identities.params, "limit": max(k[2] for k in keys)}).all()
    by_identity: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        by_identity.setdefault((r.identity_channel, r.address), []).append(r)
    return [_shown(by_identity.get((c, a), [])[-n:]) for c, a, n in keys]


@cache
def _last_messages(channels: int) -> Select[Any]:
    """The last `limit` messages of each identity's customer (see `Identities`)."""
    newest_first = func.row_number().over(
        partition_by=Message.customer_id, order_by=Message.id.desc()).label("age")
    ranked = (
        select(ChannelIdentity.channel.label("identity_channel"), ChannelIdentity.address,
               Message.id, Message.direction, Message.text, Message.payload, Message.channel,
               Message.created_at, newest_first)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Message.customer_id)
        .where(Identities.where(channels))
        .subquery()
    )
    return select(ranked).where(ranked.c.age <= bindparam("limit")).order_by(ranked.c.id)


def _shown(rows: list[Any]) -> list[dict[str, Any]]:
    messages = []
    for r in rows:
        if r.direction == "in" and not r.text:
            continue
        payload = r.payload or {}
        messages.append({
            "direction": r.direction, "text": r.text, "channel": r.channel,
            "buttons": payload.get("buttons", []) if r.direction == "out" else [],
            "link": payload.get("link"), "at": r.created_at.isoformat(),
        })
    return messages
