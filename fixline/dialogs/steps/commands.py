"""Global commands: they work in every state."""

from __future__ import annotations

from collections.abc import Callable

from fixline.dialogs.messages import Button
from fixline.dialogs.states import State
from fixline.dialogs.steps.choices import as_label
from fixline.dialogs.steps.common import ask_equipment, category_label
from fixline.dialogs.steps.start import CONSENT_BUTTONS, GREETING
from fixline.dialogs.turn import Turn

HELP = (
    "Tell me what's wrong in your own words: I'll ask what I need and suggest causes and fixes.\n"
    "/new – start a new case\n"
    "/cancel – cancel the current case\n"
    "/status – where your case stands\n"
    "/export – download everything I store about you\n"
    "/forget – erase everything I store about you\n"
    "/link – carry this conversation on in another app (Telegram, SMS, WhatsApp, web)\n"
    "/help – this message"
)
# Actions channel adapters send for what their platform signals (SMS STOP / START, a
# blocked or restarted bot, a shared contact), and the engine's own after a /link.
OPT_OUT = "channel:opt_out"
OPT_IN = "channel:opt_in"
CONTACT = "channel:contact"
LINKED = "system:linked"
FORGET_BUTTONS = (Button("Yes, erase everything", "forget:confirm"), Button("No, keep it", "forget:cancel"))


def new_case(turn: Turn) -> None:
    _end_case(turn, "closed")
    if not turn.consented:
        turn.say(GREETING, CONSENT_BUTTONS)
        turn.move(State.START)
        return
    turn.open_case()
    ask_equipment(turn, "New case. ")


def cancel(turn: Turn) -> None:
    if _end_case(turn, "cancelled"):
        turn.say("Cancelled. Send a message whenever you want to start again.")
    else:
        turn.say("There's no open case to cancel. Send a message to start one.")
    turn.move(State.CLOSED if turn.consented else State.START)


def help_(turn: Turn) -> None:
    turn.say(HELP)


def status(turn: Turn) -> None:
    case = turn.case
    if case is None or case.status in {"closed", "cancelled"}:
        turn.say("You have no open case. Send a message to start one.")
        return
    lines = [f"Case {str(case.id)[:8]}: {category_label(case.category)}"]
    named = " ".join(str(v) for v in (case.equipment.get("year"), case.equipment.get("make")) if v)
    if named:
        lines[0] += f" ({named})"
    symptoms = case.facts.get("symptoms", [])
    lines.append(f"Details given: {len(symptoms)}")
    if case.facts.get("codes"):
        lines.append("Codes: " + ", ".join(case.facts["codes"]))
    if case.diagnosis and case.diagnosis.get("causes"):
        lines.append("Top cause so far: " + case.diagnosis["causes"][0]["title"])
    lines.append(f"Step: {turn.state.value}")
    turn.say("\n".join(lines))


def export(turn: Turn) -> None:
    turn.request("export")


def forget(turn: Turn) -> None:
    turn.say(
        "This erases your messages, files and case details for good, on every channel. "
        "Are you sure?",
        FORGET_BUTTONS,
    )


def forget_confirmed(turn: Turn) -> None:
    _end_case(turn, "cancelled")
    turn.case = None
    turn.context.clear()
    turn.request("forget")
    turn.move(State.START)


def forget_cancelled(turn: Turn) -> None:
    turn.say("OK, nothing was erased.")


def link(turn: Turn) -> None:
    """/link asks for a code; /link CODE, sent from the other channel, redeems it."""
    parts = turn.text.split(maxsplit=1)
    code = "".join(ch for ch in parts[1] if ch.isalnum()) if len(parts) > 1 else ""
    if code:
        turn.request("link_redeem", arg=code)
    else:
        turn.request("link")


def linked(turn: Turn) -> None:
    """After a link: this identity now shares the other channel's conversation."""
    data = turn.inbound.data or {}
    origin = data.get("from") or "your other chat"
    turn.say(f"Linked: this chat now carries on your conversation from {origin}.")
    status(turn)


def opt_out(turn: Turn) -> None:
    # The provider (Twilio, the carrier) confirms an SMS STOP itself; a reply would be refused.
    turn.request("opt_out")


def opt_in(turn: Turn) -> None:
    turn.request("opt_in")
    turn.say("You'll get my messages here again. Tell me what's wrong, or send HELP.")


def contact_shared(turn: Turn) -> None:
    turn.say("Thanks, but I don't need your phone number to help. To carry this conversation "
             "on by SMS or WhatsApp, send /link.")


def _end_case(turn: Turn, status: str) -> bool:
    case = turn.case
    if case is None or case.status in {"closed", "cancelled"}:
        return False
    case.status = status
    case.closed_at = turn.now
    case.dirty = True
    turn.context.pop("awaiting", None)
    turn.emit("case.closed", case_id=str(case.id), outcome=case.outcome, rating=case.rating)
    return True


COMMANDS: dict[str, Callable[[Turn], None]] = {
    "/new": new_case,
    "/start": new_case,
    "/cancel": cancel,
    "/help": help_,
    "/status": status,
    "/export": export,
    "/forget": forget,
    "forget:confirm": forget_confirmed,
    "forget:cancel": forget_cancelled,
    "/link": link,
    LINKED: linked,
    OPT_OUT: opt_out,
    OPT_IN: opt_in,
    CONTACT: contact_shared,
}


# Said once and meant: flood control never holds these back.
CONTROL = frozenset({OPT_OUT, OPT_IN, "forget:confirm", "forget:cancel"})


def command_of(turn: Turn) -> str | None:
    """The command a message carries: a button with a command action, or a text like
    "/status" (Telegram adds "@botname": "/status@fixline_bot")."""
    if turn.action in COMMANDS:
        return turn.action
    if turn.action is None and turn.text.startswith("/"):
        word = turn.text.split(maxsplit=1)[0].split("@", 1)[0].lower()
        return word
    if turn.action is None and len(turn.text) < 12 and as_label(turn.text) == "help":
        return "/help"  # as SMS's HELP keyword is (bots/twilio), on every channel
    return None
