"""The turn pipeline keeps recent conversations in memory; what another writer changed in
the database since wins, even for a turn that fails."""

from __future__ import annotations

import asyncio

import pytest
from psycopg import pq
from sqlalchemy import event, text

from fixline.core.clock import utcnow
from fixline.core.db import blocking_twin, writing
from fixline.dialogs.linking import issue_code, redeem
from fixline.dialogs.machine import Machine
from fixline.dialogs.messages import Inbound
from fixline.dialogs.pipeline import FAILED_TURN, TurnPipeline
from fixline.dialogs.turn import Turn
from tests.conftest import count, make_engine
from tests.support import Customer

SMS = "+15551230077"


def failing_on_boom(machine: Machine):
    def step(turn: Turn) -> None:
        if turn.text == "boom":
            raise RuntimeError("a handler bug")
        machine.step(turn)
    return step


async def link(db, customer_id, channel: str, address: str) -> None:
    async with writing(db) as conn:
        code = await issue_code(conn, customer_id, "telegram", utcnow())
        assert await redeem(conn, code, channel, address, utcnow())


async def test_a_failed_turn_is_kept_in_the_conversation_the_database_holds(db):
    """An SMS number linked to a Telegram customer, then to a web customer, who keeps
    nothing of the first: a turn that fails right after is still stored in the web
    customer's transcript, though the pipeline held the number's old conversation."""
    pipeline = TurnPipeline(db, failing_on_boom(Machine()))
    sent = iter(range(100))

    async def say(channel: str, address: str, words: str):
        return await pipeline.submit(Inbound(channel, address, f"m-{next(sent)}", text=words))

    telegram = await say("telegram", "42", "hi")
    await say("sms", SMS, "hi")
    await link(db, telegram.customer_id, "sms", SMS)
    assert (await say("sms", SMS, "hello")).customer_id == telegram.customer_id
    web = await say("web", "browser-1", "hi")
    await link(db, web.customer_id, "sms", SMS)  # the Telegram customer keeps a conversation

    failed = await say("sms", SMS, "boom")
    assert [r.text for r in failed.replies] == [FAILED_TURN]
    async with db.connect() as conn:
        owner = (await conn.execute(text(
            "SELECT customer_id FROM messages WHERE text = 'boom'"))).scalar_one()
    assert str(owner).replace("-", "") == web.customer_id.hex
    await pipeline.close()


async def test_identities_of_several_channels_in_one_batch(db):
    """Turns and history reads of several channels that meet in one batch: each identity
    gets its own conversation and its own transcript (one bound parameter set per channel)."""
    engine = make_engine(db)
    people = [("web", "w-1"), ("sms", "+15551230088"), ("telegram", "77"), ("web", "w-2")]
    await asyncio.gather(*(engine.handle(Inbound(c, a, f"{c}-{a}", text=f"hello from {a}"))
                           for c, a in people))
    shown = await asyncio.gather(*(engine.transcript(c, a) for c, a in people))
    for (_, address), messages in zip(people, shown, strict=True):
        assert messages[0]["text"] == f"hello from {address}"
        assert all(address in m["text"] for m in messages if m["direction"] == "in")
    async with db.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM conversations"))).scalar_one() == 4
    await engine.close()


async def test_a_batch_of_known_conversations_takes_one_round_trip(db, tmp_path):
    """On PostgreSQL the usual batch, every conversation in memory and every message new,
    sends its inbox rows, version lock and writes in one pipeline: counted in libpq's own
    trace of the connection, one Sync besides the pool's ping, where statement by
    statement there were one per statement."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite has no round trips")
    engine = make_engine(db)
    customers = [Customer(engine) for _ in range(3)]
    for customer in customers:
        await customer.consent()
    trace = tmp_path / "libpq.trace"

    def traced(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.pgconn.trace(out.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def untraced(dbapi_connection, _record) -> None:  # before the file closes
        dbapi_connection.pgconn.untrace()

    twin = blocking_twin(db)
    with trace.open("w") as out:
        event.listen(twin, "checkout", traced)
        event.listen(twin, "checkin", untraced)
        try:
            replies = await asyncio.gather(*(c.press("equipment:car") for c in customers))
        finally:
            event.remove(twin, "checkout", traced)
            event.remove(twin, "checkin", untraced)
    assert all(replies)
    sent = [line.split("\t") for line in trace.read_text().splitlines()]
    syncs = sum(1 for fields in sent if fields[0] == "F" and fields[2].startswith("Sync"))
    assert 1 <= syncs <= 2, trace.read_text()
    await engine.close()


async def test_a_duplicate_in_a_batch_of_known_conversations_costs_no_one_a_turn(db):
    """A redelivered message in the same batch as another customer's new one: the batch's
    one-trip attempt is rolled back and run again the careful way; the duplicate is
    ignored and the other turn is stored once."""
    engine = make_engine(db)
    first, second = Customer(engine), Customer(engine)
    await first.consent()
    await second.consent()
    await first.press("equipment:car")
    again = Inbound("web", first.address, "delivered-twice", text="2015 Toyota Corolla")
    assert await engine.handle(again)
    redelivered, answered = await asyncio.gather(
        engine.handle(again), second.say("2018 Honda Civic", message_id="new-one"))
    assert redelivered == [] and answered
    assert await count(db, "SELECT count(*) FROM messages WHERE text = '2015 Toyota Corolla'") == 1
    assert await count(db, "SELECT count(*) FROM messages WHERE text = '2018 Honda Civic'") == 1
    assert await count(db, "SELECT count(*) FROM inbox WHERE channel_message_id = 'new-one'") == 1
    await engine.close()
