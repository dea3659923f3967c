"""The durable inbox: duplicates are ignored, stored messages survive a crash, and the
turns of one conversation never race, even across two engines (two processes' worth of
connections and pipelines)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import bindparam, text

from fixline.core.clock import utcnow
from fixline.core.db import UTCDateTime, create_engine
from fixline.dialogs.messages import Inbound
from tests.conftest import count, make_engine
from tests.support import Customer


async def test_duplicate_delivery_is_acknowledged_and_ignored(engine, db):
    customer = Customer(engine)
    await customer.consent()
    first = await customer.say("/help", message_id="m-1")
    again = await customer.say("/help", message_id="m-1")
    assert first and again == []
    assert await count(db, "SELECT count(*) FROM inbox WHERE channel_message_id = 'm-1'") == 1
    assert await count(db, "SELECT count(*) FROM messages WHERE text = '/help'") == 1


async def test_duplicates_inside_one_batch(engine, db):
    inbound = Inbound("web", "same-batch", "dup-1", text="hello")
    results = await asyncio.gather(*(engine.handle(inbound) for _ in range(5)))
    assert sum(1 for r in results if r) == 1
    assert await count(db, "SELECT count(*) FROM messages WHERE direction = 'in'") == 1


async def test_accepted_message_left_by_a_crash_is_processed_at_start(db):
    crashed = make_engine(db)
    inbox_id = await crashed.accept(Inbound("telegram", "42", "update-7", text="hello"))
    assert inbox_id is not None
    assert await crashed.accept(Inbound("telegram", "42", "update-7", text="hello")) is None
    await crashed.close()  # the process dies before processing
    assert await count(db, "SELECT count(*) FROM inbox WHERE processed_at IS NULL") == 1

    restarted = make_engine(db)
    assert await restarted.recover() == 1
    assert await count(db, "SELECT count(*) FROM inbox WHERE processed_at IS NULL") == 0
    # The replies go out through the outbox, to the channel's sender.
    assert await count(db, "SELECT count(*) FROM outbox WHERE topic = 'conversation.reply'") == 1
    assert await restarted.recover() == 0
    await restarted.close()


async def test_recover_leaves_fresh_messages_to_their_own_process(db):
    engine = make_engine(db)
    await engine.accept(Inbound("telegram", "43", "update-8", text="hi"))
    assert await engine.recover(older_than=timedelta(minutes=5)) == 0
    await engine.close()


async def test_two_engines_never_race_on_one_conversation(db, settings):
    """Forty messages of one customer, sent at once half to each of two engines: every one
    is processed exactly once, in some serial order."""
    other_db = create_engine(settings)  # its own connections, as a second process has
    # A flood from one customer, so flood control is lifted for this test.
    one, two = (make_engine(d, messages_per_minute=1000) for d in (db, other_db))
    address = uuid.uuid4().hex
    warmup = Customer(one, address=address)
    await warmup.consent()
    await warmup.press("equipment:car")
    await warmup.say("/status")

    def message(i: int) -> Inbound:
        return Inbound("web", address, f"race-{i}", text="/status")

    await asyncio.gather(*((one if i % 2 else two).handle(message(i)) for i in range(40)))
    async with db.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT direction FROM messages ORDER BY id"))).scalars().all()
    # Serial turns: each message in is followed by its reply out.
    assert rows == ["in", "out"] * 44
    await one.close()
    await two.close()
    await other_db.dispose()


async def test_an_engine_notices_what_another_wrote_since(db, settings):
    """Each engine keeps the conversations it served in memory. A customer whose messages
    alternate between two engines gets exactly the answers one engine alone gives: each
    engine finds out that its copy is out of date and reads the conversation again."""
    other_db = create_engine(settings)
    alone, one, two = make_engine(db), make_engine(db), make_engine(other_db)
    script = [("say", "hi"), ("press", "consent:yes"), ("press", "equipment:car"),
              ("say", "2015 Toyota Corolla"), ("say", "the engine shakes at idle"),
              ("say", "/status")]

    async def run(engines: list) -> list[list[str]]:
        address, answers = uuid.uuid4().hex, []
        for i, (kind, value) in enumerate(script):
            customer = Customer(engines[i % len(engines)], address=address)
            await (customer.say(value) if kind == "say" else customer.press(value))
            answers.append([r.text for r in customer.replies])
        return answers

    assert await run([one, two]) == await run([alone])
    for engine in (alone, one, two):
        await engine.close()
    await other_db.dispose()


async def test_a_message_that_keeps_failing_is_given_up_quietly(engine, db):
    """Recovery counts its tries in their own transaction: a stored message that can never
    be processed is tried RECOVERY_TRIES times, then marked, and nobody is spammed."""
    from fixline.core.clock import utcnow
    from fixline.core.ids import new_id
    from fixline.dialogs.engine import RECOVERY_TRIES
    from fixline.dialogs.models import InboxRow

    async with db.begin() as conn:
        await conn.execute(InboxRow.__table__.insert(), [{
            "id": new_id(), "channel": "sms", "channel_message_id": "SM-broken", "address": "+1555",
            "payload": {"channel": "sms"}, "received_at": utcnow(), "attempts": 0}])
    good = await engine.accept(Inbound("sms", "+1666", "SM-good", text="hi"))
    assert good is not None
    for _ in range(RECOVERY_TRIES + 2):
        await engine.recover()
    async with db.connect() as conn:
        broken = (await conn.execute(text(
            "SELECT attempts, error FROM inbox WHERE channel_message_id = 'SM-broken'"))).one()
    assert broken.attempts == RECOVERY_TRIES and "given up" in broken.error
    assert await count(db, "SELECT count(*) FROM inbox WHERE processed_at IS NOT NULL") == 1
    assert await count(db, "SELECT count(*) FROM outbox WHERE topic = 'conversation.reply'") == 1


async def test_two_engines_meeting_a_new_customer_make_one(db, settings):
    """The first messages of a new identity reach two processes at once: one customer,
    one identity and one conversation come of it, and both messages are answered (on
    PostgreSQL the slower batch finds the identity taken and reads the other's rows)."""
    other_db = create_engine(settings)
    one, two = make_engine(db), make_engine(other_db)
    addresses = [uuid.uuid4().hex for _ in range(10)]
    started = utcnow()
    answers = await asyncio.gather(*(
        engine.handle(Inbound("web", address, f"{address}-{i}", text="hello"))
        for address in addresses for i, engine in enumerate((one, two))))
    assert all(replies and "went wrong" not in replies[0].text for replies in answers)
    async with db.connect() as conn:
        counts = (await conn.execute(text(
            "SELECT count(DISTINCT i.customer_id), count(*), count(DISTINCT c.id) "
            "FROM channel_identities i JOIN conversations c ON c.customer_id = i.customer_id "
            "WHERE i.channel = 'web' AND i.address IN :addresses").bindparams(
                bindparam("addresses", expanding=True)), {"addresses": addresses})).one()
        orphans = (await conn.execute(
            text("SELECT count(*) FROM customers WHERE created_at >= :started AND id NOT IN "
                 "(SELECT customer_id FROM channel_identities)")
            .bindparams(bindparam("started", type_=UTCDateTime())), {"started": started},
        )).scalar_one()
    assert tuple(counts) == (10, 10, 10) and orphans == 0
    await one.close()
    await two.close()
    await other_db.dispose()


async def test_turns_go_on_after_the_database_server_drops_every_connection(engine, db):
    """A restarted or failed-over server leaves the pools holding dead connections; the
    batch writes bypass SQLAlchemy's statement wrapper, so it is the pool's ping at
    checkout that must find them and connect anew, with no turn lost."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    customer = Customer(engine)
    await customer.consent()
    await customer.say("2015 Bosch dishwasher")
    async with db.connect() as conn:
        await conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        await conn.commit()
    replies = await customer.say("it shows E24 and water stays in the bottom")
    assert replies and not any("went wrong" in r.text for r in replies)
    assert await count(db, "SELECT count(*) FROM messages WHERE text LIKE 'it shows E24%'") == 1
