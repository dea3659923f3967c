"""The Telegram customer bot: one aiogram Bot and Dispatcher, fed by the webhook route or
by long polling, sending through the outbox."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import BotCommand, Update

from fixline.bots.intake import Intake
from fixline.bots.telegram import routers
from fixline.bots.telegram.convert import CHANNEL
from fixline.bots.telegram.sender import TelegramFetcher, TelegramSender

log = logging.getLogger(__name__)

__all__ = ["CHANNEL", "TelegramChannel"]

WEBHOOK_PATH = "/webhooks/telegram/customer"
UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
COMMANDS = [
    BotCommand(command="new", description="Start a new case"),
    BotCommand(command="status", description="Where your case stands"),
    BotCommand(command="cancel", description="Cancel the current case"),
    BotCommand(command="link", description="Carry on in another app"),
    BotCommand(command="export", description="Download everything stored about you"),
    BotCommand(command="forget", description="Erase everything stored about you"),
    BotCommand(command="help", description="What I can do"),
]


class TelegramChannel:
    def __init__(self, token: str, intake: Intake, *, webhook_secret: str,
                 api_url: str | None = None, session: BaseSession | None = None) -> None:
        if session is None:
            server = TelegramAPIServer.from_base(api_url) if api_url else None
            session = AiohttpSession(api=server) if server else AiohttpSession()
        self.bot = Bot(token, session=session)
        self.webhook_secret = webhook_secret
        self.dispatcher = Dispatcher(intake=intake)
        self.dispatcher.include_routers(routers.messages(), routers.callbacks(), routers.membership())
        self.sender = TelegramSender(self.bot)
        self.fetcher = TelegramFetcher(self.bot)

    async def feed(self, payload: dict[str, Any]) -> bool:
        """One webhook update; False when it is of a kind we do not handle (acknowledged
        all the same: Telegram would only send it again)."""
        update = Update.model_validate(payload, context={"bot": self.bot})
        result = await self.dispatcher.feed_update(self.bot, update)
        if result is UNHANDLED:
            log.info("telegram update %s of type %s not handled", update.update_id, update.event_type)
            return False
        return True

    async def set_webhook(self, public_url: str) -> str:
        url = public_url.rstrip("/") + WEBHOOK_PATH
        await self.bot.set_webhook(url, secret_token=self.webhook_secret, allowed_updates=UPDATES,
                                   drop_pending_updates=False)
        await self.bot.set_my_commands(COMMANDS)
        return url

    async def poll(self) -> None:
        """Long polling for local use (no public URL): the webhook is removed first."""
        await self.bot.delete_webhook()
        await self.bot.set_my_commands(COMMANDS)
        await self.dispatcher.start_polling(self.bot, allowed_updates=UPDATES, handle_signals=False)

    async def close(self) -> None:
        await self.bot.session.close()
