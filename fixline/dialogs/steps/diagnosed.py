"""diagnosed: the customer tries the fix and tells us, or adds detail for another look."""

from __future__ import annotations

from fixline.dialogs.messages import Button
from fixline.dialogs.states import State
from fixline.dialogs.steps.common import OUTCOME_BUTTONS, add_symptom, request_diagnosis, unclear
from fixline.dialogs.turn import Turn

RATING_BUTTONS = tuple(Button(str(n), f"rating:{n}") for n in range(1, 6))
OUTCOMES = {"outcome:fixed": "fixed", "outcome:not_fixed": "not_fixed"}


def handle(turn: Turn) -> None:
    if turn.action in OUTCOMES:
        outcome = OUTCOMES[turn.action]
        case = turn.touch_case()
        case.outcome = outcome
        turn.emit("case.outcome_recorded", case_id=str(case.id), outcome=outcome,
                  confidence=case.confidence)
        lead = "Great, glad it's working again!" if outcome == "fixed" else (
            "Sorry it's not fixed yet. Thanks for telling me: it helps me get better."
        )
        turn.say(f"{lead} How helpful was I, from 1 (not at all) to 5 (very)?", RATING_BUTTONS)
        turn.move(State.FEEDBACK)
        return
    if turn.action:
        turn.say("That button belongs to an earlier step. Did the fix work?", OUTCOME_BUTTONS)
        return
    if unclear(turn):
        turn.say("Did the steps fix it? Tap a button, or tell me what you found.", OUTCOME_BUTTONS)
        return
    add_symptom(turn, turn.text)
    request_diagnosis(turn)
