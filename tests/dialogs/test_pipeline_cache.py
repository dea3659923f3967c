"""The turn pipeline keeps recent conversations in memory; what another writer changed in
the database since wins, even for a turn that fails."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from fixline.core.clock import utcnow
from fixline.core.db import writing
from fixline.dialogs.linking import issue_code, redeem
from fixline.dialogs.machine import Machine
from fixline.dialogs.messages import Inbound
from fixline.dialogs.pipeline import FAILED_TURN, TurnPipeline
from fixline.dialogs.turn import Turn
from tests.conftest import make_engine

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
