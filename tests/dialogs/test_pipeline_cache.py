"""The turn pipeline keeps recent conversations in memory; what another writer changed in
the database since wins, even for a turn that fails."""

from __future__ import annotations

from sqlalchemy import text

from fixline.core.clock import utcnow
from fixline.core.db import writing
from fixline.dialogs.linking import issue_code, redeem
from fixline.dialogs.machine import Machine
from fixline.dialogs.messages import Inbound
from fixline.dialogs.pipeline import FAILED_TURN, TurnPipeline
from fixline.dialogs.turn import Turn

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
