"""Random sequences of texts, buttons and commands: the engine never raises and the
conversation never leaves the state table."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

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
    finally:
        await engine.close()
