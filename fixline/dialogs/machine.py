"""The conversation's state table: each state names its handler and where it may go.

Adding a state (payment, matching, with_expert) is adding a row here and a module in
steps/; nothing else changes. The engine refuses any move a row does not list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from fixline.dialogs.states import State
from fixline.dialogs.steps import (
    choices,
    closed,
    commands,
    diagnosed,
    equipment,
    feedback,
    flood,
    media,
    start,
    symptoms,
)
from fixline.dialogs.turn import Turn

Handler = Callable[[Turn], None]


@dataclass(frozen=True, slots=True)
class Row:
    handler: Handler
    moves_to: frozenset[State]


def table(max_follow_ups: int = 2) -> dict[State, Row]:
    S = State
    return {
        S.START: Row(start.handle, frozenset({S.START, S.EQUIPMENT, S.SYMPTOMS})),
        S.EQUIPMENT: Row(equipment.handle, frozenset({S.EQUIPMENT, S.SYMPTOMS})),
        S.SYMPTOMS: Row(
            partial(symptoms.handle, max_follow_ups=max_follow_ups),
            frozenset({S.SYMPTOMS, S.DIAGNOSED}),
        ),
        S.DIAGNOSED: Row(diagnosed.handle, frozenset({S.DIAGNOSED, S.SYMPTOMS, S.FEEDBACK})),
        S.FEEDBACK: Row(feedback.handle, frozenset({S.FEEDBACK, S.CLOSED})),
        S.CLOSED: Row(closed.handle, frozenset({S.CLOSED, S.EQUIPMENT, S.SYMPTOMS})),
    }


# Global commands may leave any state for one of these.
COMMAND_MOVES = frozenset({State.START, State.EQUIPMENT, State.CLOSED})


class IllegalMove(RuntimeError):
    pass


class Machine:
    def __init__(self, max_follow_ups: int = 2, messages_per_minute: int = 30) -> None:
        self.table = table(max_follow_ups)
        self.messages_per_minute = messages_per_minute

    def step(self, turn: Turn) -> None:
        if (not turn.inbound.internal and turn.action not in commands.CONTROL
                and flood.held(turn, self.messages_per_minute)):
            return
        choices.resolve(turn)
        self._step(turn)
        choices.remember(turn)

    def _step(self, turn: Turn) -> None:
        origin = turn.state
        name = commands.command_of(turn)
        if turn.inbound.attachments and not turn.inbound.internal:
            media.received(turn)
            allowed = frozenset({origin})
        elif turn.action == media.PERCEIVED:
            carry_on = media.perceived(turn)
            allowed = frozenset({origin})
            if carry_on and origin is State.START:
                pending = turn.context.get("pending")
                turn.context["pending"] = f"{pending}\n{carry_on}" if pending else carry_on
            elif carry_on:
                # What the photo or recording said continues the conversation as typed text.
                turn.text, turn.action = carry_on, None
                row = self.table[origin]
                row.handler(turn)
                allowed = row.moves_to | {origin}
        elif name is not None:
            command = commands.COMMANDS.get(name)
            if command is None:
                turn.say(f"I don't know the command {name}.\n\n{commands.HELP}")
                return
            command(turn)
            allowed = COMMAND_MOVES | {origin}
        else:
            row = self.table[origin]
            row.handler(turn)
            allowed = row.moves_to | {origin}
        if turn.next_state not in allowed:
            raise IllegalMove(f"{origin} -> {turn.next_state} is not in the table")
