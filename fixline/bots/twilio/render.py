"""A Reply as an SMS or WhatsApp message: plain text with the buttons as numbered options
(the engine maps a bare "1" back to the first button), the link written out, and the text
cut into messages the provider takes whole."""

from __future__ import annotations

from collections.abc import Callable

from fixline.bots.twilio import gsm
from fixline.bots.twilio.address import SMS
from fixline.dialogs.messages import CHANNEL_NAMES, Button, Reply

MAX_SMS_SEGMENTS = 10  # carriers reassemble longer ones unreliably
MAX_WHATSAPP_CHARS = 1600  # Twilio refuses a longer body (error 21617)


def render(reply: Reply, channel: str) -> list[str]:
    """The message bodies to send, in order; none for a reply with nothing to say."""
    text = compose(reply, channel)
    if channel == SMS:
        return split(gsm.plain(text), lambda t: gsm.segments(t) <= MAX_SMS_SEGMENTS)
    return split(text, lambda t: _utf16_len(t) <= MAX_WHATSAPP_CHARS)


def compose(reply: Reply, channel: str) -> str:
    parts = [reply.text.strip()]
    if reply.file is not None:
        parts.append(f"(The file can't be sent by {CHANNEL_NAMES.get(channel, channel)}; "
                     "send /export in the web chat or Telegram.)")
    if reply.link:
        parts.append(reply.link)
    if reply.buttons:
        parts.append(options(reply.buttons))
    return "\n\n".join(p for p in parts if p)


def options(buttons: tuple[Button, ...]) -> str:
    """Reply 1 for It's fixed, 2 for Not fixed or 3 for New case. (A rating whose labels
    are the numbers themselves: Reply 1, 2, 3, 4 or 5.)"""
    numbered = all(b.label.strip() == str(n) for n, b in enumerate(buttons, 1))
    choices = [str(n) if numbered else f"{n} for {b.label}" for n, b in enumerate(buttons, 1)]
    if len(choices) > 1:
        choices[-2:] = [f"{choices[-2]} or {choices[-1]}"]
    return "Reply " + ", ".join(choices) + "."


def split(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Messages that each `fit`, cut at a paragraph or a line break in the second half of
    the room, else between words; inside a word only when one word alone is too long."""
    pieces: list[str] = []
    text = text.strip()
    while text and not fits(text):
        cut = _boundary(text, _room(text, fits))
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def _room(text: str, fits: Callable[[str], bool]) -> int:
    """The longest prefix that fits (the cost of a prefix only grows with its length)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


def _boundary(text: str, room: int) -> int:
    window = text[:room]
    for separator in ("\n\n", "\n"):
        at = window.rfind(separator)
        if at >= room // 2:
            return at
    if text[room].isspace():
        return room
    at = window.rfind(" ")
    return at if at > 0 else room


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
