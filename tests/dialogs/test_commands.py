"""Global commands work in every state."""

from __future__ import annotations

import json

import pytest

from fixline.dialogs.states import State
from tests.conftest import count, make_engine
from tests.support import DRAIN, CannedDiagnostician, Customer


# How to bring a fresh customer into each state.
async def reach(customer: Customer, state: State) -> None:
    if state is State.START:
        await customer.say("hello")
        return
    await customer.consent()
    if state is State.EQUIPMENT:
        return
    await customer.press("equipment:dishwasher")
    if state is State.SYMPTOMS:
        return
    await customer.say("it shows E24 and wont drain at all")
    if state is State.DIAGNOSED:
        return
    await customer.press("outcome:fixed")
    if state is State.FEEDBACK:
        return
    await customer.press("rating:4")


@pytest.mark.parametrize("state", list(State))
async def test_commands_in_every_state(db, state):
    engine = make_engine(db, CannedDiagnostician(DRAIN))
    customer = Customer(engine)
    await reach(customer, state)
    await customer.say("/help")
    assert "/forget" in customer.text
    await customer.say("/status")
    assert customer.text
    await customer.say("/export")
    export = json.loads(customer.replies[-1].file.data)
    assert export["identities"][0]["address"] == customer.address
    await customer.say("/cancel")
    assert "Cancelled" in customer.text or "no open case" in customer.text
    await customer.say("/new")
    assert ("New case" in customer.text) or ("Is that OK?" in customer.text)
    await customer.say("/forget")
    assert customer.actions == ["forget:confirm", "forget:cancel"]
    await customer.press("forget:confirm", "Yes, erase everything")
    assert "erased" in customer.text
    assert await count(db, "SELECT count(*) FROM messages") == 0
    assert await count(db, "SELECT count(*) FROM channel_identities") == 0
    await engine.close()


async def test_forget_keeps_anonymous_case_rows_and_cancel_keeps_data(db):
    engine = make_engine(db, CannedDiagnostician(DRAIN))
    customer = Customer(engine)
    await customer.consent()
    await customer.say("dishwasher E24 water stays in the bottom")
    await customer.say("/forget")
    await customer.press("forget:cancel", "No, keep it")
    assert "nothing was erased" in customer.text
    assert await count(db, "SELECT count(*) FROM messages") > 0
    await customer.say("/forget")
    await customer.press("forget:confirm")
    assert await count(db, "SELECT count(*) FROM cases WHERE customer_id IS NULL") == 1
    assert await count(db, "SELECT count(*) FROM inbox WHERE address = 'forgotten'") > 0
    assert await count(db, "SELECT count(*) FROM outbox WHERE topic = 'customer.forgotten'") == 1
    await customer.say("hi")
    assert "Is that OK?" in customer.text  # a fresh start: consent is asked again
    await engine.close()


async def test_unknown_command_is_answered(engine):
    customer = Customer(engine)
    await customer.say("/frobnicate")
    assert "I don't know the command /frobnicate" in customer.text


async def test_telegram_style_command_with_bot_name(engine):
    customer = Customer(engine, channel="telegram")
    await customer.say("/help@fixline_bot")
    assert "/forget" in customer.text
