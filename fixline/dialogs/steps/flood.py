"""Per-identity flood control: past the limit in a minute, messages are still stored (inbox
and transcript) but not answered, and the customer is told once. The window lives in the
conversation's context, so it holds across processes with nothing in memory."""

from __future__ import annotations

from datetime import datetime, timedelta

from fixline.dialogs.turn import Turn

KEY = "flood"
WINDOW = timedelta(minutes=1)
NOTICE = ("You're sending messages faster than I can answer them. I've kept every one; "
          "give me a minute, then tell me in one message what matters most.")


def held(turn: Turn, per_minute: int) -> bool:
    """Counts this message; True when it is over the limit and must not be answered."""
    started, count, told = turn.context.get(KEY) or (None, 0, False)
    if started is None or turn.now - datetime.fromisoformat(started) >= WINDOW:
        started, count, told = turn.now.isoformat(), 0, False
    count += 1
    over = count > per_minute
    if over and not told:
        turn.say(NOTICE)
        told = True
    turn.context[KEY] = [started, count, told]
    return over
