"""closed: the next message starts a new case."""

from __future__ import annotations

from fixline.dialogs.steps import equipment
from fixline.dialogs.steps.common import ask_equipment, unclear
from fixline.dialogs.turn import Turn


def handle(turn: Turn) -> None:
    turn.open_case()
    if turn.action or unclear(turn):
        ask_equipment(turn, "Let's start a new case. ")
        return
    equipment.handle(turn, greeting="New case. ")
