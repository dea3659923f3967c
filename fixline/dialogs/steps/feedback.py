"""feedback: a rating (or a comment) closes the case."""

from __future__ import annotations

import re

from fixline.dialogs.states import State
from fixline.dialogs.steps.diagnosed import RATING_BUTTONS
from fixline.dialogs.turn import Turn

# A rating typed in words: "5 stars", "4/5", "4 out of 5", "five", "3 - it was ok". A bare
# number goes on only after punctuation: "one more thing: ..." and "2 buttons never showed"
# are comments.
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_TYPED = re.compile(
    r"^\s*(?P<n>[1-5]|one|two|three|four|five)(?![0-9])\s*"
    r"(?:(?:/\s*5|out\s+of\s+(?:5|five)|stars?|\*+)(?:\s*[-,.:;!]+\s*|\s+|$)|[-,.:;!]+\s*|$)"
    r"(?P<rest>.*)", re.IGNORECASE | re.DOTALL)


def handle(turn: Turn) -> None:
    case = turn.touch_case()
    typed = _TYPED.match(turn.text[:500]) if turn.action is None and turn.text else None
    if typed:
        n = typed.group("n").lower()
        turn.action = f"rating:{_WORDS.get(n, n)}"
        if typed.group("rest").strip():
            case.facts["feedback_comment"] = turn.text
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
