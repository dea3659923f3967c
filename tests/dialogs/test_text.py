"""What a customer's text becomes before it is stored."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fixline.dialogs import text
from fixline.dialogs.messages import Inbound
from fixline.dialogs.text import looks_like_garbage, storable


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_storable_follows_the_rule_for_any_text(raw: str) -> None:
    assert storable(raw) == text._made_storable(raw)


def test_storable_keeps_what_people_type() -> None:
    for kept in ["my oven shows E24", "line\nnext", "tab\there", "émoji 👍",
                 "family 👨\u200d👩\u200d👧", "no\u00a0break"]:
        assert storable(kept) == kept
    assert storable("a\x00b\x7f") == "ab"
    assert storable("\ud800x") == "?x"


def test_a_clean_message_is_stored_as_it_came() -> None:
    message = Inbound(channel="web", address="abc", message_id="m1", text="it shows E24")
    assert message.storable() is message
    dirty = Inbound(channel="web", address="abc", message_id="m1", text="E24\x00", action="go\x01")
    assert (dirty.storable().text, dirty.storable().action) == ("E24", "go")


def test_garbage_is_told_from_words() -> None:
    assert looks_like_garbage("!!! ???")
    assert looks_like_garbage("qwrtz xcvbn")
    assert not looks_like_garbage("1234")
    assert not looks_like_garbage("my oven is broken")
    assert not looks_like_garbage("Ölheizung")
