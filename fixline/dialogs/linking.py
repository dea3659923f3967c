"""/link: one customer across channels. A short one-time code asked for on one channel and
sent from another joins the second identity to the first one's customer, so both reach
the same conversation and case; what the second identity had said before moves along."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fixline.core.customers import ChannelIdentity, Customer
from fixline.core.db import insert_ignoring_duplicates
from fixline.core.files import FileRow
from fixline.dialogs.models import Case, Conversation, LinkCode, Message

VALID_FOR = timedelta(minutes=15)
# Eight characters of an alphabet without look-alikes (no 0/O, 1/I/L): 31^8 codes, so even
# a million guesses in a code's 15 minutes find one with odds of about one in a million;
# six digits would fall to an attacker with many web sessions.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


@dataclass(frozen=True)
class Linked:
    from_channel: str
    already: bool = False


async def issue_code(conn: AsyncConnection, customer_id: uuid.UUID, channel: str,
                     now: datetime) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        result = await conn.execute(
            insert_ignoring_duplicates(conn.dialect, LinkCode.__table__),
            [{"code": code, "customer_id": customer_id, "channel": channel, "created_at": now,
              "expires_at": now + VALID_FOR, "used_at": None}])
        if result.rowcount:
            return code


def normalise(typed: str) -> str:
    """What the customer typed, as a code: any case, spaces or dashes."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


async def redeem(conn: AsyncConnection, code: str, channel: str, address: str,
                 now: datetime) -> Linked | None:
    """Joins (channel, address) to the customer who asked for `code`; None when the code
    is unknown, used or expired."""
    code = normalise(code)
    query = select(LinkCode.customer_id, LinkCode.channel).where(
        LinkCode.code == code, LinkCode.used_at.is_(None), LinkCode.expires_at > now)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    target, origin = row.customer_id, row.channel
    await conn.execute(update(LinkCode).where(LinkCode.code == code).values(used_at=now))
    source = (await conn.execute(select(ChannelIdentity.customer_id).where(
        ChannelIdentity.channel == channel, ChannelIdentity.address == address))).scalar_one()
    if source == target:
        return Linked(origin, already=True)
    if conn.dialect.name == "postgresql":
        # The turn pipeline holds conversation rows while it writes a turn (SQLite's single
        # write lock serialises this already): wait for any turn of either customer, in id
        # order as the pipeline locks them, so none of its messages is left behind.
        await conn.execute(select(Conversation.id).where(Conversation.customer_id.in_([source, target]))
                           .order_by(Conversation.id).with_for_update())
    await conn.execute(update(ChannelIdentity).where(
        ChannelIdentity.channel == channel, ChannelIdentity.address == address
    ).values(customer_id=target))
    # Turn pipelines keep recent conversations in memory; a new version tells them that
    # this identity's conversation is not the one they hold any more.
    await conn.execute(update(Conversation).where(Conversation.customer_id.in_([source, target]))
                       .values(version=Conversation.version + 1))
    remaining = (await conn.execute(select(func.count()).select_from(ChannelIdentity).where(
        ChannelIdentity.customer_id == source))).scalar_one()
    if remaining == 0:
        await _merge(conn, source, target)
    return Linked(origin)


async def _merge(conn: AsyncConnection, source: uuid.UUID, target: uuid.UUID) -> None:
    """The source customer has no identity left: its transcript and cases join the target's
    conversation (nothing is lost), then the empty customer goes."""
    conversation = (await conn.execute(select(Conversation.id).where(
        Conversation.customer_id == target))).scalar_one()
    await conn.execute(update(Message).where(Message.customer_id == source).values(
        customer_id=target, conversation_id=conversation))
    await conn.execute(update(Case).where(Case.customer_id == source).values(customer_id=target))
    await conn.execute(update(FileRow).where(FileRow.customer_id == source).values(customer_id=target))
    await conn.execute(delete(LinkCode).where(LinkCode.customer_id == source))
    await conn.execute(delete(Conversation).where(Conversation.customer_id == source))
    await conn.execute(delete(Customer).where(Customer.id == source))
