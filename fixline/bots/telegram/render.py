"""A Reply as Telegram shows it: text in pieces within the 4096-character limit, buttons
as an inline keyboard on the last piece (callback data within Telegram's 64 bytes)."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from fixline.dialogs.messages import Reply

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class Piece:
    text: str
    keyboard: InlineKeyboardMarkup | None = None


def render(reply: Reply) -> list[Piece]:
    text = reply.text or " "
    keyboard = _keyboard(reply)
    if reply.link and not _linkable(reply.link):
        text = f"{text}\n{reply.link}"
    parts = split(text, MAX_TEXT)
    return [Piece(p, keyboard if i == len(parts) - 1 else None) for i, p in enumerate(parts)]


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(text=b.label[:64], callback_data=b.action)]
            for b in reply.buttons if len(b.action.encode()) <= MAX_CALLBACK_BYTES]
    if reply.link and _linkable(reply.link):
        rows.insert(0, [InlineKeyboardButton(text="Open", url=reply.link)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _linkable(url: str) -> bool:
    # Telegram refuses URL buttons it cannot reach (plain http on a private host).
    return url.startswith("https://")


def split(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` UTF-16 units (Telegram's count: an emoji is two), cut at
    a paragraph, a line or a word when there is one in the second half of the piece."""
    pieces: list[str] = []
    while _units(text) > limit:
        room = _room(text, limit)
        window = text[:room]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < room // 2:
            cut = room
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return [p for p in pieces if p] or [" "]


def _units(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _room(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)
