"""`fixline chat`: the conversation engine in a terminal, interactive or scripted."""

from __future__ import annotations

import asyncio
import io
import sys
import uuid

from rich.console import Console

from fixline.cli.runtime import DatabaseUnavailable, build, ensure_database
from fixline.core.migrate import upgrade
from fixline.core.settings import Settings
from fixline.dialogs.messages import Inbound, Reply

CHANNEL = "terminal"


def run_chat(settings: Settings, address: str) -> int:
    scripted = not sys.stdin.isatty()
    out = Console(highlight=False, soft_wrap=True)
    try:
        return asyncio.run(_chat(settings, address, scripted, out))
    except DatabaseUnavailable as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]{exc}[/red]")
        return 1
    except (KeyboardInterrupt, EOFError):
        return 0


async def _chat(settings: Settings, address: str, scripted: bool, out: Console) -> int:
    await ensure_database(settings)
    runtime = build(settings)
    try:
        await asyncio.to_thread(upgrade, settings)
        buttons: list[tuple[str, str]] = []
        if not scripted:
            out.print("[dim]Fixline in your terminal. Numbers pick a button; Ctrl+D quits.[/dim]")
            buttons = show(out, await runtime.engine.handle(_inbound(address, "", "/start")))
        lines = _lines()
        while True:
            line = await asyncio.to_thread(_next, lines, scripted)
            if line is None:
                return 0
            text, action = line.rstrip("\r\n"), None
            if text.strip().isdigit() and 0 < int(text.strip()) <= len(buttons):
                label, action = buttons[int(text.strip()) - 1]
                text = label
            if scripted:
                out.print(f"> {text}")
            buttons = show(out, await runtime.engine.handle(_inbound(address, text, action)))
    finally:
        await runtime.close()


def _lines() -> io.TextIOWrapper:
    # Undecodable bytes in a script become U+FFFD rather than ending the conversation.
    return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")


def _next(lines: io.TextIOWrapper, scripted: bool) -> str | None:
    if not scripted:
        try:
            return input("you> ")
        except EOFError:
            return None
    line = lines.readline()
    return line if line else None


def _inbound(address: str, text: str, action: str | None) -> Inbound:
    return Inbound(channel=CHANNEL, address=address, message_id=str(uuid.uuid4()),
                   text=text, action=action)


def show(out: Console, replies: list[Reply]) -> list[tuple[str, str]]:
    """Prints replies; buttons of the last reply become numbered choices."""
    buttons: list[tuple[str, str]] = []
    for reply in replies:
        out.print(f"[bold cyan]fixline>[/bold cyan] {reply.text}", markup=True)
        if reply.link:
            out.print(f"  {reply.link}")
        if reply.file:
            out.print(f"  [{reply.file.filename}]", markup=False)
            out.print(reply.file.data.decode("utf-8", "replace"), markup=False)
        if reply.buttons:
            buttons = [(b.label, b.action) for b in reply.buttons]
            for i, (label, _) in enumerate(buttons, 1):
                out.print(f"  {i}. {label}", markup=False)
    return buttons
