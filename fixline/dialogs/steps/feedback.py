"""feedback: a rating (or a comment) closes the case."""

from __future__ import annotations

from fixline.dialogs.states import State
from fixline.dialogs.steps.diagnosed import RATING_BUTTONS
from fixline.dialogs.turn import Turn


def handle(turn: Turn) -> None:
    case = turn.touch_case()
    action = turn.action or ""
    if action.startswith("rating:") and action.removeprefix("rating:") in {"1", "2", "3", "4", "5"}:
        case.rating = int(action.removeprefix("rating:"))
    elif action:
        turn.say("Please rate from 1 to 5, or write a comment.", RATING_BUTTONS)
        return
    elif turn.text:
        case.facts["feedback_comment"] = turn.text
    else:
        turn.say("Please rate from 1 to 5, or write a comment.", RATING_BUTTONS)
        return
    close(turn)


def close(turn: Turn) -> None:
    case = turn.touch_case()
    case.status = "closed"
    case.closed_at = turn.now
    turn.emit("case.closed", case_id=str(case.id), outcome=case.outcome, rating=case.rating)
    turn.say("Thank you! This case is closed. Send a message any time to start a new one.")
    turn.move(State.CLOSED)
