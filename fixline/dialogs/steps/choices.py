"""Choices typed instead of tapped. Where a channel cannot show buttons (SMS, WhatsApp, a
terminal) they are listed as "Reply 1 for …", and the customer's bare "1" means that
button; on any channel, typing a button's label ("i agree", "It's fixed!") means it too.
The last buttons shown are kept in the conversation's context, so any process can map
what comes back."""

from __future__ import annotations

import re
from functools import lru_cache

from fixline.dialogs.turn import Turn

KEY = "choices"
LABELS = "choice_labels"
_TRIM = re.compile(r'[\s.!?,;:)("]+')


def resolve(turn: Turn) -> None:
    """A bare number or a button's label answering the last buttons shown becomes that
    button's action."""
    actions = turn.context.get(KEY)
    if turn.action is not None or not actions:
        return
    number = turn.text.strip().rstrip(".)")
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if number.isdecimal() and 0 < int(number) <= len(actions):
        turn.action = actions[int(number) - 1]
        return
    labels = turn.context.get(LABELS) or []
    typed = as_label(turn.text)
    if typed and typed in labels and len(labels) == len(actions):
        turn.action = actions[labels.index(typed)]


def remember(turn: Turn) -> None:
    """The buttons of this turn's last reply that had any are the ones a number refers to."""
    if not turn.replies:
        return
    shown = [r for r in turn.replies if r.buttons]
    if shown:
        turn.context[KEY] = [b.action for b in shown[-1].buttons]
        turn.context[LABELS] = [_label_of(b.label) for b in shown[-1].buttons]
    else:
        turn.context.pop(KEY, None)
        turn.context.pop(LABELS, None)


@lru_cache(maxsize=1024)
def _label_of(label: str) -> str:
    """`as_label` of a button's label: the same few labels are shown on every turn."""
    return as_label(label)


def as_label(text: str) -> str:
    """Text as compared with a label: any case, curly or straight apostrophes, spacing
    and punctuation around it ignored (a typed "It\u2019s fixed!" is "it's fixed")."""
    text = text.replace("\u2019", "'") if len(text) <= 100 else ""
    return " ".join(_TRIM.sub(" ", text.casefold()).split()).strip()
