"""`fixline bots`: the Telegram bot by long polling (local use), or its webhook set up."""

from __future__ import annotations

import asyncio

from rich.console import Console

from fixline.cli.runtime import build, ensure_database
from fixline.core.settings import Settings

console = Console(stderr=True, soft_wrap=True)
NO_TOKEN = "Set FIXLINE_TELEGRAM_CUSTOMER_TOKEN to run the Telegram bot."


def run_polling(settings: Settings) -> int:
    if not settings.telegram_customer_token:
        console.print(f"[red]{NO_TOKEN}[/red]")
        return 1

    async def run() -> None:
        await ensure_database(settings)
        runtime = build(settings)
        assert runtime.channels.telegram is not None
        runtime.dispatcher.start()
        try:
            await runtime.engine.recover()
            console.print("Telegram bot polling (Ctrl+C to stop)")
            await runtime.channels.telegram.poll()
        finally:
            await runtime.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    return 0


def run_set_webhook(settings: Settings) -> int:
    if not settings.telegram_customer_token:
        console.print(f"[red]{NO_TOKEN}[/red]")
        return 1
    if not settings.public_url.startswith("https://"):
        console.print("[red]Telegram only calls https:// webhooks: set FIXLINE_PUBLIC_URL.[/red]")
        return 1

    async def run() -> str:
        runtime = build(settings, diagnosis=False)
        assert runtime.channels.telegram is not None
        try:
            return await runtime.channels.telegram.set_webhook(settings.public_url)
        finally:
            await runtime.close()

    console.print(f"Telegram webhook set to {asyncio.run(run())}, with the command menu")
    return 0
