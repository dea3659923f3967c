"""Numbered choices: where a channel cannot show buttons (SMS, WhatsApp, a terminal) they
are listed as "Reply 1 for …", and the customer's bare "1" means that button. The last
buttons shown are kept in the conversation's context, so any process can map the number."""

from __future__ import annotations

from fixline.dialogs.turn import Turn

KEY = "choices"


def resolve(turn: Turn) -> None:
    """A bare number answering the last buttons shown becomes that button's action."""
    actions = turn.context.get(KEY)
    if turn.action is not None or not actions:
        return
    number = turn.text.strip().rstrip(".)")
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if number.isdecimal() and 0 < int(number) <= len(actions):
        turn.action = actions[int(number) - 1]


def remember(turn: Turn) -> None:
    """The buttons of this turn's last reply that had any are the ones a number refers to."""
    if not turn.replies:
        return
    shown = [r for r in turn.replies if r.buttons]
    if shown:
        turn.context[KEY] = [b.action for b in shown[-1].buttons]
    else:
        turn.context.pop(KEY, None)
