"""aiogram routers, one per concern: messages (text, commands, media, contacts, edits),
button presses, and the bot being blocked or unblocked. Each converts and hands over to
the intake; no conversation rule lives here."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.chat_action import ChatActionSender

from fixline.bots.intake import Intake
from fixline.bots.telegram.convert import callback_inbound, membership_inbound, message_inbound

log = logging.getLogger(__name__)
TYPING_AFTER = 0.3  # seconds: quick answers need no "typing…", a diagnosis does


def messages() -> Router:
    router = Router(name="messages")

    @router.message()
    @router.edited_message()
    async def on_message(message: Message, bot: Bot, intake: Intake) -> None:
        inbound = message_inbound(message)
        await intake.take(inbound, busy=lambda: ChatActionSender.typing(
            bot=bot, chat_id=message.chat.id, initial_sleep=TYPING_AFTER))

    return router


def callbacks() -> Router:
    router = Router(name="callbacks")

    @router.callback_query()
    async def on_button(callback: CallbackQuery, bot: Bot, intake: Intake) -> None:
        inbound = callback_inbound(callback)
        if inbound is None:
            await _answer(callback, "This button has expired. Send a message to carry on.")
            return
        await intake.take(inbound, busy=lambda: ChatActionSender.typing(
            bot=bot, chat_id=inbound.address, initial_sleep=TYPING_AFTER))
        # Stops the spinner on the button; the answer itself arrives as a message.
        await _answer(callback)

    return router


async def _answer(callback: CallbackQuery, text: str | None = None) -> None:
    """The spinner is cosmetic: failing to stop it (a query too old, a network blip) must
    not fail the webhook, or Telegram would redeliver a message already stored."""
    try:
        await callback.answer(text)
    except TelegramAPIError as exc:
        log.info("answerCallbackQuery failed: %s", exc)


def membership() -> Router:
    router = Router(name="membership")

    @router.my_chat_member()
    async def on_membership(update: ChatMemberUpdated, intake: Intake) -> None:
        inbound = membership_inbound(update)
        if inbound is not None:
            await intake.take(inbound)

    return router
