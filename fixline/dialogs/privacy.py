"""/export and /forget: everything we hold about a customer, out or gone."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fixline.core.clock import utcnow
from fixline.core.customers import ChannelIdentity, Customer
from fixline.core.files import FileRow
from fixline.core.outbox import Event, OutboxRow
from fixline.dialogs.models import Case, Conversation, InboxRow, Message

FORGOTTEN = "customer.forgotten"


async def export_customer(conn: AsyncConnection, customer_id: uuid.UUID) -> dict[str, Any]:
    customer = (await conn.execute(
        select(Customer.__table__).where(Customer.id == customer_id))).mappings().one()
    identities = (await conn.execute(
        select(ChannelIdentity.channel, ChannelIdentity.address, ChannelIdentity.created_at)
        .where(ChannelIdentity.customer_id == customer_id))).mappings().all()
    cases = (await conn.execute(
        select(Case.__table__).where(Case.customer_id == customer_id)
        .order_by(Case.opened_at))).mappings().all()
    messages = (await conn.execute(
        select(Message.direction, Message.channel, Message.text, Message.payload,
               Message.created_at, Message.case_id)
        .where(Message.customer_id == customer_id).order_by(Message.id))).mappings().all()
    return json.loads(json.dumps({
        "customer": dict(customer),
        "identities": [dict(i) for i in identities],
        "cases": [dict(c) for c in cases],
        "messages": [dict(m) for m in messages],
        "exported_at": utcnow(),
    }, default=str))


async def forget_customer(conn: AsyncConnection, customer_id: uuid.UUID) -> None:
    """Erases personal data: transcript, inbox copies, identities and case details.

    Case rows stay, stripped to status, category, confidence and outcome, and detached
    from the customer: anonymous records that later money rows can still point to.
    """
    if conn.dialect.name == "postgresql":
        # The conversation row first, as the turn pipeline and /link take it, so a turn
        # of this customer in flight is waited for rather than deadlocked with.
        await conn.execute(select(Conversation.id).where(Conversation.customer_id == customer_id)
                           .with_for_update())
    addresses = (await conn.execute(
        select(ChannelIdentity.channel, ChannelIdentity.address)
        .where(ChannelIdentity.customer_id == customer_id))).all()
    for channel, address in addresses:
        await conn.execute(update(InboxRow).where(
            InboxRow.channel == channel, InboxRow.address == address
        ).values(payload={}, address="forgotten"))
    await conn.execute(delete(Message).where(Message.customer_id == customer_id))
    their_cases = select(Case.id).where(Case.customer_id == customer_id).scalar_subquery()
    files = (await conn.execute(select(FileRow.sha256).where(FileRow.case_id.in_(their_cases)))).scalars()
    erased = sorted(set(files))
    await conn.execute(delete(FileRow).where(FileRow.case_id.in_(their_cases)))
    await conn.execute(update(Case).where(Case.customer_id == customer_id).values(
        customer_id=None, equipment={}, facts={}, diagnosis=None))
    await conn.execute(delete(Conversation).where(Conversation.customer_id == customer_id))
    await conn.execute(delete(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id))
    await conn.execute(update(Customer).where(Customer.id == customer_id).values(
        forgotten_at=utcnow(), consented_at=None, locale=None))
    await conn.execute(OutboxRow.__table__.insert(),
                       [Event(FORGOTTEN, {"customer_id": str(customer_id), "files": erased}).row()])
