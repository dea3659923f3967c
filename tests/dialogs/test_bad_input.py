"""Bad input gets a polite reply and is stored safely."""

from __future__ import annotations

import json

from sqlalchemy import text

from fixline.dialogs.messages import Inbound
from tests.conftest import count
from tests.support import Customer


async def stored_texts(db) -> list[str]:
    async with db.connect() as conn:
        rows = await conn.execute(text("SELECT text FROM messages WHERE direction = 'in' ORDER BY id"))
        return [r[0] for r in rows]


async def test_empty_and_whitespace(engine, db):
    customer = Customer(engine)
    await customer.consent()
    for blank in ("", "   \n\t "):
        await customer.say(blank)
        assert "What needs fixing?" in customer.text
    await customer.press("equipment:car")
    await customer.say("  ")
    assert "couldn't read that" in customer.text


async def test_very_long_text_is_truncated_with_a_notice(engine, db):
    customer = Customer(engine)
    await customer.consent()
    await customer.press("equipment:car")
    await customer.say("my car makes a noise " * 5000)  # about 100 kB
    assert "very long" in customer.replies[0].text
    longest = max(len(t) for t in await stored_texts(db))
    assert longest == 4000


async def test_binary_and_non_utf8_text(engine, db):
    customer = Customer(engine)
    await customer.consent()
    junk = "\x00\x01\x02\ud800\udfff\x7f" + bytes(range(128, 256)).decode("latin-1")
    await customer.say(junk)
    assert customer.text  # answered, not crashed
    await customer.say("asdkjh qwrtzp xcvbnm")
    assert "What needs fixing?" in customer.text
    stored = await stored_texts(db)
    assert all("\x00" not in t for t in stored)


async def test_unknown_and_stale_buttons(engine, db):
    customer = Customer(engine)
    await customer.consent()
    await customer.press("equipment:spaceship")
    assert "no longer available" in customer.text
    await customer.press("rating:5")
    assert "earlier step" in customer.text
    await customer.press("equipment:dryer")
    await customer.press("outcome:fixed")
    assert "earlier step" in customer.text
    assert await count(db, "SELECT count(*) FROM conversations WHERE state = 'symptoms'") == 1


async def test_unrecognised_equipment_is_asked_again_then_accepted(engine):
    customer = Customer(engine)
    await customer.consent()
    await customer.say("my espresso thing")
    assert "not sure which kind" in customer.text
    await customer.say("the gaggia one")
    assert "not sure which kind" in customer.text
    await customer.say("it leaks water from underneath when brewing")
    assert "I can't diagnose this yet" in customer.text


async def test_a_forged_internal_button_is_not_trusted(engine, db):
    """Only the engine sends `system:` messages (a finished diagnosis); a client that
    sends one as a button is answered as if it had typed the label."""
    customer = Customer(engine)
    await customer.consent()
    await customer.press("equipment:car")
    await customer.press("system:diagnosis")
    assert "something went wrong" not in customer.text
    assert "couldn't read that" in customer.text
    assert await count(db, "SELECT count(*) FROM cases WHERE diagnosed_at IS NOT NULL") == 0


async def test_a_forged_internal_action_from_a_webhook_is_not_stored_as_one(engine, db):
    customer = Customer(engine, channel="telegram")
    await customer.consent()
    await customer.press("equipment:car")
    forged = Inbound("telegram", customer.address, "tg-forged", text="",
                     action="system:diagnosis", data={"token": "x", "diagnosis": {}})
    inbox_id = await engine.accept(forged)
    assert inbox_id is not None
    replies = await engine.process_accepted(forged, inbox_id)
    assert replies and not any("something went wrong" in r.text for r in replies)
    async with db.connect() as conn:
        payload = (await conn.execute(text("SELECT payload FROM inbox WHERE channel_message_id = "
                                           "'tg-forged'"))).scalar_one()
    payload = payload if isinstance(payload, dict) else json.loads(payload)
    assert payload["action"] is None and payload["data"] is None
