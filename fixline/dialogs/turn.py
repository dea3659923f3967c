"""A turn: one inbound message meeting the conversation's current state.

Handlers are plain synchronous functions over a Turn: they read the state, context and
case, and say what happens (replies, the next state, events, slow effects to run after
the turn commits). They do no I/O, which is what lets the turn pipeline run the turns of
many conversations inside one short transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fixline.core.ids import new_id
from fixline.core.outbox import Event
from fixline.dialogs.messages import Button, Inbound, Reply
from fixline.dialogs.states import State


@dataclass
class CaseDraft:
    """The working copy of a case row during a turn."""

    id: uuid.UUID
    status: str
    opened_at: datetime
    category: str | None = None
    equipment: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    diagnosis: dict[str, Any] | None = None
    confidence: float | None = None
    outcome: str | None = None
    rating: int | None = None
    diagnosed_at: datetime | None = None
    closed_at: datetime | None = None
    new: bool = False
    dirty: bool = False

    def row(self, customer_id: uuid.UUID) -> dict[str, Any]:
        return {
            "id": self.id, "customer_id": customer_id, "status": self.status,
            "category": self.category, "equipment": self.equipment, "facts": self.facts,
            "diagnosis": self.diagnosis, "confidence": self.confidence, "outcome": self.outcome,
            "rating": self.rating, "opened_at": self.opened_at,
            "diagnosed_at": self.diagnosed_at, "closed_at": self.closed_at,
        }

    def working_copy(self) -> CaseDraft:
        """A copy a handler may change freely, its lists and dicts included; neither new
        nor dirty. Built from the attributes: `dataclasses.replace` re-runs `__init__`
        with every field and cost several times as much, on every turn."""
        twin = object.__new__(CaseDraft)
        twin.__dict__ = {
            **self.__dict__, "equipment": dict(self.equipment),
            "facts": {k: list(v) if isinstance(v, list) else v for k, v in self.facts.items()},
            "new": False, "dirty": False,
        }
        return twin


@dataclass(frozen=True, slots=True)
class Effect:
    """Slow work the engine runs after the turn commits (never inside the transaction)."""

    kind: str  # diagnose | export | forget | link | link_redeem | opt_out | opt_in
    token: str | None = None
    arg: str | None = None


@dataclass
class Turn:
    inbound: Inbound
    text: str
    state: State
    context: dict[str, Any]
    case: CaseDraft | None
    customer_id: uuid.UUID
    consented: bool
    now: datetime
    next_state: State = field(init=False)
    action: str | None = field(init=False)
    replies: list[Reply] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    consent_given: bool = False
    # Cases this turn finished before opening another (/new): written along with the new one.
    earlier_cases: list[CaseDraft] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.next_state = self.state
        self.action = self.inbound.action

    def say(self, text: str, buttons: tuple[Button, ...] = (), link: str | None = None) -> None:
        self.replies.append(Reply(text=text, buttons=buttons, link=link))

    def move(self, state: State) -> None:
        self.next_state = state

    def emit(self, topic: str, **payload: Any) -> None:
        self.events.append(Event(topic, payload))

    def open_case(self) -> CaseDraft:
        if self.case is not None and self.case.dirty:
            self.earlier_cases.append(self.case)
        self.case = CaseDraft(
            id=new_id(), status="open", opened_at=self.now,
            facts={"symptoms": [], "codes": [], "follow_ups": 0}, new=True, dirty=True,
        )
        self.emit("case.opened", case_id=str(self.case.id), customer_id=str(self.customer_id))
        return self.case

    def require_case(self) -> CaseDraft:
        return self.case if self.case is not None else self.open_case()

    def touch_case(self) -> CaseDraft:
        case = self.require_case()
        case.dirty = True
        return case

    def request(self, kind: str, arg: str | None = None) -> Effect:
        effect = Effect(kind, token=str(new_id()) if kind == "diagnose" else None, arg=arg)
        self.effects.append(effect)
        return effect
