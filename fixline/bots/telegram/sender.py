"""Sending to and downloading from Telegram, within its limits: about 30 messages a second
overall and one a second per chat; a 429 names its own wait, a block (403) is final."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile
from aiolimiter import AsyncLimiter

from fixline.bots.telegram.render import Piece, render
from fixline.core.dispatcher import PermanentFailure, RetryAfter
from fixline.dialogs.media_worker import FetchFailed
from fixline.dialogs.messages import Reply, ReplyFile
from fixline.dialogs.outbound import RecipientGone

MAX_DOWNLOAD = 20 * 2**20  # the Bot API's own limit for getFile
KNOWN_CHATS = 10_000
CHAT_BURST = 3  # a reply of a few messages goes out at once; on average one a second


class TelegramSender:
    def __init__(self, bot: Bot, per_second: float = 30, per_chat_second: float = 1) -> None:
        self._bot = bot
        self._overall = AsyncLimiter(per_second, 1)
        self._per_chat_rate = per_chat_second
        self._chats: OrderedDict[str, AsyncLimiter] = OrderedDict()

    def parts(self, reply: Reply) -> list[Piece | ReplyFile]:
        pieces: list[Piece | ReplyFile] = list(render(reply))
        if reply.file is not None:
            pieces.append(reply.file)
        return pieces

    async def send(self, address: str, reply: Reply) -> Sequence[str]:
        return [str(await self.send_part(address, part)) for part in self.parts(reply)]

    async def send_part(self, address: str, part: Piece | ReplyFile) -> str:
        await self._slot(address)
        try:
            if isinstance(part, ReplyFile):
                sent = await self._bot.send_document(address, BufferedInputFile(part.data, part.filename))
            else:
                sent = await self._bot.send_message(address, part.text, reply_markup=part.keyboard)
        except TelegramRetryAfter as exc:
            raise RetryAfter(exc.retry_after, "Telegram flood control") from exc
        except TelegramForbiddenError as exc:
            raise RecipientGone(f"Telegram refused: {exc.message}") from exc
        except TelegramBadRequest as exc:
            raise PermanentFailure(f"Telegram rejected the message: {exc.message}") from exc
        return str(sent.message_id)

    async def _slot(self, chat: str) -> None:
        limiter = self._chats.pop(chat, None) or AsyncLimiter(CHAT_BURST, CHAT_BURST / self._per_chat_rate)
        self._chats[chat] = limiter
        if len(self._chats) > KNOWN_CHATS:
            self._chats.popitem(last=False)
        async with limiter:
            pass
        async with self._overall:
            pass


class TelegramFetcher:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def fetch(self, ref: str) -> bytes:
        try:
            file = await self._bot.get_file(ref)
            if (file.file_size or 0) > MAX_DOWNLOAD or not file.file_path:
                raise FetchFailed("That file is too large for me to download from Telegram "
                                  "(the limit is 20 MB).")
            data = await self._bot.download_file(file.file_path, timeout=30)
        except (TelegramNetworkError, TelegramAPIError, aiohttp.ClientError, TimeoutError) as exc:
            raise FetchFailed("I couldn't download your file from Telegram. Please send it "
                              "again.") from exc
        assert data is not None
        return data.read()
