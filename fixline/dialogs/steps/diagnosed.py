"""diagnosed: the customer tries the fix and tells us, or adds detail for another look."""

from __future__ import annotations

from fixline.dialogs.messages import Button
from fixline.dialogs.states import State
from fixline.dialogs.steps.choices import as_label
from fixline.dialogs.steps.common import (
    OUTCOME_BUTTONS,
    add_symptom,
    request_diagnosis,
    small_talk,
    unclear,
)
from fixline.dialogs.turn import Turn

RATING_BUTTONS = tuple(Button(str(n), f"rating:{n}") for n in range(1, 6))
OUTCOMES = {"outcome:fixed": "fixed", "outcome:not_fixed": "not_fixed"}
# Typed answers to "Did this fix it?", whole messages only: "yes it still leaks" is news.
SAID_FIXED = frozenset({
    "yes", "yep", "yeah", "yes it did", "it did", "yes thanks", "yes thank you", "fixed",
    "it's fixed", "its fixed", "all good", "it works", "works", "it works now", "working now",
    "sorted", "yes fixed", "yes it's fixed",
})
SAID_NOT_FIXED = frozenset({
    "no", "nope", "nah", "no it didn't", "it didn't", "didn't work", "did not work",
    "it didn't work", "no it didn't work", "not fixed", "still broken", "still not working",
    "no luck", "no change",
})


def handle(turn: Turn) -> None:
    if turn.action is None and turn.text and len(turn.text) < 40:
        said = as_label(turn.text)
        if said in SAID_FIXED:
            turn.action = "outcome:fixed"
        elif said in SAID_NOT_FIXED:
            turn.action = "outcome:not_fixed"
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
    if unclear(turn) or small_talk(turn.text):
        turn.say("Did the steps fix it? Tap a button when you know, or tell me what you found.",
                 OUTCOME_BUTTONS)
        return
    add_symptom(turn, turn.text)
    request_diagnosis(turn)
