"""What every channel gets from the engine: numbered choices, flood control, /link across
channels, opting out and in."""

from __future__ import annotations

import re

from sqlalchemy import text

from fixline.dialogs.messages import Inbound
from fixline.dialogs.outbound import opted_out
from fixline.dialogs.steps.commands import OPT_IN, OPT_OUT
from fixline.dialogs.steps.flood import NOTICE
from tests.conftest import count, make_engine
from tests.support import DRAIN, CannedDiagnostician, Customer


async def test_a_bare_number_picks_the_button_last_shown(engine, db):
    ann = Customer(engine, channel="sms")
    await ann.say("hi")
    await ann.say("1")  # 1 = "I agree"
    assert "What needs fixing?" in ann.text
    await ann.say("3")  # the third category button
    async with db.connect() as conn:
        category = (await conn.execute(text("SELECT category FROM cases"))).scalar_one()
    assert category == "dryer"
    await ann.say("7")  # no buttons on the question just asked: plain text, not a stale choice
    async with db.connect() as conn:
        symptoms = (await conn.execute(text("SELECT facts FROM cases"))).scalar_one()
    assert "oven" not in str(symptoms)


async def test_a_typed_button_label_picks_that_button(db):
    engine = make_engine(db, CannedDiagnostician(DRAIN))
    ann = Customer(engine, channel="whatsapp")
    await ann.say("hi")
    await ann.say("  I AGREE. ")
    assert "What needs fixing?" in ann.text
    await ann.say("2015 Bosch dishwasher")
    await ann.say("shows E24 and leaves dirty water in the bottom")
    assert "outcome:fixed" in ann.actions
    await ann.say("It\u2019s fixed!")  # a phone's curly apostrophe
    assert "How helpful" in ann.text
    await engine.close()


async def test_a_superscript_number_is_just_text(engine):
    """Found by the property test: "²" counts as a digit but is no number."""
    ann = Customer(engine, channel="sms")
    await ann.say("hi")
    await ann.say("²")
    assert "something went wrong" not in ann.text
    assert ann.replies


async def test_a_number_with_no_buttons_shown_is_just_text(engine):
    ann = Customer(engine, channel="sms")
    await ann.consent()
    await ann.say("Bosch dishwasher")
    await ann.say("2")
    assert "I agree" not in ann.text


async def test_a_flood_gets_one_notice_and_every_message_is_kept(db):
    engine = make_engine(db, messages_per_minute=5)
    ann = Customer(engine, channel="telegram")
    answers = [await ann.say(f"message {i}") for i in range(12)]
    assert all(answers[i] for i in range(5))
    assert [r.text for r in answers[5]] == [NOTICE]
    assert all(a == [] for a in answers[6:])
    assert await count(db, "SELECT count(*) FROM messages WHERE direction = 'in'") == 12
    assert await count(db, "SELECT count(*) FROM inbox") == 12
    # Opting out is never held back, even mid-flood.
    assert await engine.handle(Inbound("telegram", ann.address, "stop-in-flood", action=OPT_OUT)) == []
    assert await opted_out(db, "telegram", ann.address)
    await engine.close()


async def test_link_carries_a_telegram_case_on_in_another_channel(db):
    engine = make_engine(db, CannedDiagnostician(DRAIN))
    telegram = Customer(engine, channel="telegram")
    await telegram.consent()
    await telegram.say("Bosch dishwasher")
    await telegram.say("/link")
    code = re.search(r"/link ([2-9A-Z]{8})", telegram.text).group(1)

    sms = Customer(engine, channel="sms", address="+15551230001")
    await sms.say("hello?")  # this number wrote before linking: its words are kept
    await sms.say(f"/link {code[:4].lower()}-{code[4:]}")  # as a person might type it
    assert "Linked: this chat now carries on your conversation from Telegram." in sms.text
    assert "Bosch" in sms.text  # the case it joined

    await sms.say("It shows E24 and won't drain, water stays at the bottom")
    assert "Clogged drain filter" in sms.text
    assert await count(db, "SELECT count(*) FROM customers") == 1
    assert await count(db, "SELECT count(*) FROM conversations") == 1
    history = await engine.transcript("sms", "+15551230001")
    assert {m["channel"] for m in history} == {"telegram", "sms"}
    assert any(m["text"] == "hello?" for m in history)
    # Telegram sees the same conversation.
    await telegram.say("/status")
    assert "Top cause so far: Clogged drain filter" in telegram.text
    await engine.close()


async def test_a_chat_linked_away_carries_on_in_its_new_conversation(db):
    """An SMS number linked to a Telegram customer, then to a web customer: the Telegram
    customer keeps their conversation, and the number's next message goes to the web
    one, though the engine held the number's old conversation in memory."""
    engine = make_engine(db)
    telegram, web = Customer(engine, channel="telegram"), Customer(engine, channel="web")
    sms = Customer(engine, channel="sms", address="+15551230009")
    await telegram.consent()
    await telegram.say("Bosch dishwasher")
    await telegram.say("/link")
    await sms.say("/link " + re.search(r"/link ([2-9A-Z]{8})", telegram.text).group(1))
    await sms.say("/status")
    assert "Bosch" in sms.text
    await web.consent()
    await web.say("Miele washing machine")
    await web.say("/link")
    await sms.say("/link " + re.search(r"/link ([2-9A-Z]{8})", web.text).group(1))
    await sms.say("/status")
    assert "Miele" in sms.text and "Bosch" not in sms.text
    await telegram.say("/status")
    assert "Bosch" in telegram.text
    await engine.close()


async def test_a_link_code_works_once_and_not_after_it_expires(db):
    engine = make_engine(db)
    web = Customer(engine, channel="web")
    await web.consent()
    await web.say("/link")
    code = re.search(r"/link ([2-9A-Z]{8})", web.text).group(1)
    first, second = Customer(engine, "sms", "+15551230002"), Customer(engine, "sms", "+15551230003")
    await first.say(f"/link {code}")
    assert "Linked" in first.text
    await second.say(f"/link {code}")
    assert "isn't valid any more" in second.text
    await web.say("/link")
    stale = re.search(r"/link ([2-9A-Z]{8})", web.text).group(1)
    async with db.begin() as conn:
        await conn.execute(text("UPDATE link_codes SET expires_at = created_at"))
    await second.say(f"/link {stale}")
    assert "isn't valid any more" in second.text
    await first.say(f"/link {code}")
    assert "isn't valid" in first.text
    await engine.close()


async def test_opting_out_and_back_in(db):
    engine = make_engine(db)
    ann = Customer(engine, channel="sms", address="+15551230004")
    await ann.say("hi")
    assert await engine.handle(Inbound("sms", ann.address, "stop-1", text="STOP", action=OPT_OUT)) == []
    assert await opted_out(db, "sms", ann.address)
    replies = await engine.handle(Inbound("sms", ann.address, "start-1", text="START", action=OPT_IN))
    assert "You'll get my messages here again" in replies[0].text
    assert not await opted_out(db, "sms", ann.address)
    await engine.close()
