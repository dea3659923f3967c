"""Whole conversations through engine.handle, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.agent.diagnosis import Cause, Diagnosis
from fixline.dialogs.states import State
from tests.conftest import count, make_engine
from tests.support import DRAIN, CannedDiagnostician, Customer


async def state_of(db: AsyncEngine) -> list[str]:
    from sqlalchemy import text

    async with db.connect() as conn:
        return [r[0] for r in await conn.execute(text("SELECT state FROM conversations"))]


@pytest.fixture
async def diagnosed(db: AsyncEngine) -> AsyncIterator[Customer]:
    """A customer on SMS who has just been given a diagnosis."""
    engine = make_engine(db, CannedDiagnostician(DRAIN))
    customer = Customer(engine, channel="sms")
    await customer.consent()
    await customer.say("my 2015 Bosch dishwasher shows E24 and leaves dirty water")
    assert "Did this fix it?" in customer.text
    yield customer
    await engine.close()


async def test_greeting_asks_consent_and_keeps_the_first_description(engine, db):
    customer = Customer(engine)
    await customer.say("my dishwasher wont drain, water sitting at the bottom")
    assert "Is that OK?" in customer.text
    assert customer.actions == ["consent:yes", "consent:details"]
    await customer.press("consent:yes", "I agree")
    # The description given before consent is used, not asked for again, and the honest
    # stand-in diagnostician never invents an answer.
    assert "I can't diagnose this yet" in customer.text
    assert await state_of(db) == [State.DIAGNOSED]


async def test_a_typed_yes_is_consent_and_a_typed_no_is_answered(engine, db):
    """On SMS and WhatsApp there are no buttons to tap, and on any channel people type."""
    ann = Customer(engine, channel="sms")
    await ann.say("hi")
    await ann.say("no")
    assert "I'll wait" in ann.text
    assert await state_of(db) == [State.START]
    await ann.say("Yes please!")
    assert "What needs fixing?" in ann.text
    bob = Customer(engine)
    await bob.say("No hot water in the shower since this morning")  # a description, no "no"
    assert "Is that OK?" in bob.text
    await bob.say("ok, it's a 2015 Bosch dishwasher that shows E24")
    assert "I can't diagnose this yet" in bob.text  # consent, and the rest used at once
    consented = await count(db, "SELECT count(*) FROM customers WHERE consented_at IS NOT NULL")
    assert consented == 2


async def test_a_question_about_us_before_consent_is_not_kept_as_the_fault(engine):
    ann = Customer(engine)
    await ann.say("what do you do exactly")
    await ann.say("ok")
    assert ann.text.startswith("Thanks! What needs fixing?")
    bob = Customer(engine)
    await bob.say("Hi, can you help? My heating stopped working last night")
    await bob.say("ok")
    assert "What needs fixing?" not in bob.text  # the heating was kept and used


async def test_yes_but_is_not_taken_as_consent(engine):
    ann = Customer(engine)
    await ann.say("hi")
    await ann.say("yes, but not the photos")
    assert "Is that OK?" in ann.text


async def test_honest_answer_without_a_diagnostician(engine):
    customer = Customer(engine)
    await customer.consent()
    assert "What needs fixing?" in customer.text
    assert "equipment:dishwasher" in customer.actions
    await customer.press("equipment:dishwasher", "Dishwasher")
    assert "Got it: dishwasher" in customer.text
    await customer.say("it shows E24 and the water does not drain away")
    assert "I can't diagnose this yet" in customer.text
    assert "%" not in customer.text  # no invented causes or confidence


async def test_full_path_to_a_closed_case(db):
    diagnostician = CannedDiagnostician(DRAIN)
    engine = make_engine(db, diagnostician)
    customer = Customer(engine)
    await customer.consent()
    await customer.say("2015 Bosch dishwasher")
    assert "Got it: 2015 Bosch (dishwasher)" in customer.text
    await customer.say("shows E24 and leaves dirty water in the bottom")
    assert "1. Clogged drain filter (60%)" in customer.text
    assert "Confidence: 72%" in customer.text
    assert customer.actions == ["outcome:fixed", "outcome:not_fixed", "/new"]
    facts = diagnostician.asked[0]
    assert facts.equipment.make == "Bosch" and facts.equipment.year == 2015
    assert facts.equipment.category == "dishwasher"
    assert facts.codes == ("E24",)
    await customer.press("outcome:fixed", "It's fixed")
    assert "How helpful" in customer.text
    await customer.press("rating:5", "5")
    assert "case is closed" in customer.text
    assert await state_of(db) == [State.CLOSED]
    assert await count(db, "SELECT count(*) FROM cases WHERE outcome = 'fixed' AND rating = 5 "
                           "AND status = 'closed'") == 1
    topics = await count(db, "SELECT count(DISTINCT topic) FROM outbox")
    assert topics == 4  # case.opened, case.diagnosed, case.outcome_recorded, case.closed
    await engine.close()


async def test_after_a_diagnosis_thanks_and_help_are_not_symptoms(db, diagnosed):
    await diagnosed.say("ok thanks, will try that \N{THUMBS UP SIGN}")
    assert "Did the steps fix it?" in diagnosed.text
    assert diagnosed.actions == ["outcome:fixed", "outcome:not_fixed", "/new"]
    await diagnosed.say("Help")
    assert "/new" in diagnosed.text and "/forget" in diagnosed.text
    # Neither was taken for a new symptom and diagnosed again.
    assert await count(db, "SELECT count(*) FROM outbox WHERE topic = 'case.diagnosed'") == 1


@pytest.mark.parametrize(("said", "answer", "outcome"), [
    ("Yes!", "glad it's working again", "fixed"),
    ("No, it didn't.", "Sorry it's not fixed yet", "not_fixed"),
])
async def test_a_typed_yes_or_no_after_a_diagnosis_is_the_outcome(db, diagnosed, said, answer,
                                                                   outcome):
    await diagnosed.say(said)
    assert answer in diagnosed.text
    assert await count(db, f"SELECT count(*) FROM cases WHERE outcome = '{outcome}'") == 1


async def test_a_rating_typed_in_words_is_the_rating(db, diagnosed):
    await diagnosed.say("it works now")
    assert "How helpful" in diagnosed.text
    await diagnosed.say("4 out of 5 - quick and clear")
    assert "case is closed" in diagnosed.text
    assert await count(db, "SELECT count(*) FROM cases WHERE rating = 4 AND status = 'closed' "
                           "AND CAST(facts AS TEXT) LIKE '%quick and clear%'") == 1  # the comment kept


async def test_thin_description_gets_a_follow_up_question(db):
    engine = make_engine(db, CannedDiagnostician(DRAIN))
    customer = Customer(engine)
    await customer.consent()
    await customer.press("equipment:washing_machine")
    await customer.say("broken")
    assert "Tell me a bit more" in customer.text
    await customer.say("it stops mid cycle with water inside and shows 5E")
    assert "Most likely causes" in customer.text
    await engine.close()


async def test_diagnostician_follow_up_then_answer(db):
    ask = Diagnosis(causes=(), confidence=0.0, follow_up="Is there a code on the display?")
    engine = make_engine(db, CannedDiagnostician(ask, DRAIN))
    customer = Customer(engine)
    await customer.consent()
    await customer.say("my dishwasher is not draining properly after the cycle")
    assert customer.text == "Is there a code on the display?"
    await customer.say("yes E24")
    assert "Clogged drain filter" in customer.text
    await engine.close()


async def test_safety_and_low_confidence_lead_to_a_professional(db):
    gas = Diagnosis(
        causes=(Cause("Gas leak", 0.9, safety=True),),
        confidence=0.9,
        safety_warnings=("Leave the house now and call the gas emergency line.",),
    )
    engine = make_engine(db, CannedDiagnostician(gas))
    customer = Customer(engine)
    await customer.consent()
    await customer.say("i smell gas near my boiler in the kitchen")
    assert customer.replies[0].text.startswith("⚠️ Safety first")
    assert "please have a professional look at it" in customer.text
    await engine.close()


async def test_state_survives_a_new_engine(db):
    first = make_engine(db)
    customer = Customer(first)
    await customer.consent()
    await customer.press("equipment:car", "Car or van")
    await first.close()
    second = make_engine(db)
    customer.engine = second
    await customer.say("/status")
    assert "Case " in customer.text and "car or van" in customer.text
    assert "Step: symptoms" in customer.text
    await second.close()


async def test_transcript_keeps_every_message_in_and_out(engine, db):
    customer = Customer(engine)
    await customer.consent()
    await customer.say("/help")
    ins = await count(db, "SELECT count(*) FROM messages WHERE direction = 'in'")
    outs = await count(db, "SELECT count(*) FROM messages WHERE direction = 'out'")
    assert ins == 3 and outs == 3


async def test_closed_case_starts_anew_on_the_next_message(db):
    engine = make_engine(db, CannedDiagnostician(DRAIN))
    customer = Customer(engine)
    await customer.consent()
    await customer.say("dishwasher shows E24 and wont drain")
    await customer.press("outcome:not_fixed")
    await customer.say("it still has water in it")  # a comment closes the case
    assert "case is closed" in customer.text
    await customer.say("now my car makes a grinding noise when braking")
    assert "Most likely causes" in customer.text
    assert await count(db, "SELECT count(*) FROM cases") == 2
    await engine.close()


async def test_whole_conversation_with_the_offline_diagnostician(db, offline):
    engine = make_engine(db, offline)
    customer = Customer(engine)
    await customer.say("my samsung washer shows 4C and wont fill")
    await customer.press("consent:yes", "I agree")
    assert "Most likely causes:" in customer.text
    assert "1. " in customer.text and "To check" in customer.text
    assert "Based on: Samsung code 4C" in customer.text  # readable sources, not ids
    assert customer.actions == ["outcome:fixed", "outcome:not_fixed", "/new"]
    await customer.press("outcome:fixed")
    await customer.press("rating:5")
    assert await count(db, "SELECT count(*) FROM cases WHERE outcome = 'fixed' AND confidence > 0") == 1
    await engine.close()


async def test_events_nobody_takes_are_stored_delivered_and_wake_no_one(db):
    """The dispatcher is woken for what a handler takes and only for that; the rest is
    kept in the outbox as the record, already delivered."""
    woken: list[int] = []
    engine = make_engine(db, on_events=lambda: woken.append(1),
                         subscribed=lambda topic: topic == "case.closed")
    customer = Customer(engine)
    await customer.consent()
    await customer.press("equipment:dishwasher", "Dishwasher")
    await customer.say("it shows E24 and the water does not drain away")
    assert await count(db, "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") == 0
    assert await count(db, "SELECT count(*) FROM outbox WHERE topic = 'case.opened' "
                           "AND delivered_at IS NOT NULL") == 1
    assert woken == []
    await customer.say("/new")  # closes the case
    assert await count(db, "SELECT count(*) FROM outbox WHERE topic = 'case.closed' "
                           "AND delivered_at IS NULL") >= 1
    assert woken
    await engine.close()


@pytest.mark.parametrize("comment", ["one more thing: the door still sticks",
                                     "2 buttons never showed up"])
async def test_a_comment_that_starts_with_a_number_is_not_a_rating(db, diagnosed, comment):
    await diagnosed.say("it works now")
    await diagnosed.say(comment)
    assert "case is closed" in diagnosed.text
    assert await count(db, "SELECT count(*) FROM cases WHERE rating IS NULL AND status = 'closed' "
                           f"AND CAST(facts AS TEXT) LIKE '%{comment[5:15]}%'") == 1
