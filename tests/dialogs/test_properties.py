"""Random sequences of texts, buttons and commands: the engine never raises, the
conversation never leaves the state table, and the conversation the turn pipeline keeps
in memory is always what a read from the database gives."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from fixline.core.db import in_thread
from fixline.dialogs.engine import ConversationEngine
from fixline.dialogs.machine import Machine
from fixline.dialogs.messages import Inbound
from fixline.dialogs.states import State
from tests.conftest import make_engine
from tests.support import DRAIN, CannedDiagnostician

ACTIONS = [
    "consent:yes", "consent:details", "equipment:car", "equipment:dishwasher", "equipment:nope",
    "outcome:fixed", "outcome:not_fixed", "rating:3", "rating:9", "forget:confirm",
    "forget:cancel", "/new", "/cancel", "/status", "/help", "/export", "/forget", "bogus:1",
    "system:diagnosis",
]
TEXTS = st.one_of(
    st.sampled_from(["hi", "my bosch dishwasher shows E24 and wont drain", "car", "P0301",
                     "/new", "/cancel", "/status", "/help", "/nope", "", "   ", "1",
                     "2012 toyota camry shakes at idle with check engine light"]),
    st.text(max_size=300),
)
EVENTS = st.lists(
    st.one_of(TEXTS.map(lambda t: ("text", t)), st.sampled_from(ACTIONS).map(lambda a: ("action", a))),
    min_size=1, max_size=12,
)
TABLE_STATES = set(Machine().table)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS)
async def test_engine_never_raises_and_stays_in_the_table(db, events):
    engine = make_engine(db, CannedDiagnostician(DRAIN))
    address = uuid.uuid4().hex
    try:
        for kind, value in events:
            inbound = Inbound("web", address, uuid.uuid4().hex,
                              text=value if kind == "text" else "",
                              action=value if kind == "action" else None)
            replies = await engine.handle(inbound)
            assert all(isinstance(r.text, str) for r in replies)
            async with db.connect() as conn:
                states = (await conn.execute(text(
                    "SELECT c.state FROM conversations c JOIN channel_identities i "
                    "ON i.customer_id = c.customer_id WHERE i.address = :a"), {"a": address}
                )).scalars().all()
            assert all(State(s) in TABLE_STATES for s in states)
            assert not any("something went wrong" in r.text for r in replies)
            await assert_memory_is_the_database(engine, ("web", address))
    finally:
        await engine.close()


async def assert_memory_is_the_database(engine: ConversationEngine, key: tuple[str, str]) -> None:
    """Handlers must keep only JSON's own types in the context and the case (lists, not
    tuples; string keys): the pipeline's memory of a conversation is the object its last
    turn left, and a turn served from it must see what another process reads."""
    pipeline = engine._pipeline
    kept = pipeline._recent.get(key)
    found = await in_thread(engine._db, lambda conn: pipeline._select(conn, [key], False),
                            readonly=True)
    if kept is None or key not in found:  # /forget erased it: the version check sees that
        return
    read = found[key]
    assert (kept.state, kept.version, kept.consented) == (read.state, read.version, read.consented)
    assert kept.context == read.context
    assert (kept.case and kept.case.row(kept.customer_id)) == (read.case and read.case.row(read.customer_id))
