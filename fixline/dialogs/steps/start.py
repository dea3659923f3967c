"""start: greeting and privacy consent, keeping what the customer already said."""

from __future__ import annotations

from fixline.agent.equipment import category_of
from fixline.dialogs.messages import Button
from fixline.dialogs.states import State
from fixline.dialogs.steps import equipment
from fixline.dialogs.steps.common import ask_equipment, is_description
from fixline.dialogs.turn import Turn

CONSENT_BUTTONS = (Button("I agree", "consent:yes"), Button("Privacy details", "consent:details"))
GREETING = (
    "Hi, I'm Fixline. I help you work out what's wrong with a car, an appliance or a "
    "machine, and how to fix it.\n"
    "To do that I keep this conversation and the photos or recordings you send. "
    "You can download everything with /export or erase it with /forget at any time. "
    "Is that OK?"
)
PRIVACY = (
    "What I keep: your messages, files you send, and the case details (equipment, symptoms, "
    "diagnosis, outcome). What for: diagnosing your problem and improving answers. "
    "Who sees it: only Fixline, and an expert if you ask for one. "
    "/export gives you all of it; /forget erases it (payment records, if any, are kept "
    "without your personal details, as the law requires)."
)


def handle(turn: Turn) -> None:
    if turn.action == "consent:yes":
        turn.consent_given = True
        pending = turn.context.pop("pending", None)
        if pending:
            turn.text, turn.action = pending, None
            equipment.handle(turn, greeting="Thanks! ")
        else:
            ask_equipment(turn, "Thanks! ")
        return
    if turn.action == "consent:details":
        turn.say(PRIVACY, CONSENT_BUTTONS)
        return
    if turn.text and not turn.text.startswith("/") and worth_keeping(turn.text):
        pending = turn.context.get("pending")
        turn.context["pending"] = f"{pending}\n{turn.text}" if pending else turn.text
    turn.say(GREETING, CONSENT_BUTTONS)
    turn.move(State.START)


def worth_keeping(text: str) -> bool:
    """A first message that already says what is wrong is used once consent is given;
    a plain "hi" is not."""
    return category_of(text) is not None or is_description(text)
