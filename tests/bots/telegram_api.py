"""Telegram's side of the Bot API, for tests: an aiogram session that records every
request as it would go over the wire and answers as Telegram would (after aiogram's own
tests/mocked_bot.py). Failures can be queued per method; files are served by id."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from itertools import count
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod


@dataclass
class Call:
    method: str
    params: dict[str, Any]

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup")
        return json.loads(markup)["inline_keyboard"] if markup else []


class TelegramAPI(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.updates: list[dict[str, Any]] = []  # what getUpdates hands out (polling)
        self.succeed_first: dict[str, int] = defaultdict(int)
        self._ids = count(1000)

    def fail_next(self, method: str, error_code: int, description: str,
                  retry_after: int | None = None, after: int = 0) -> None:
        """The next call of `method` fails (or the one after `after` successful ones)."""
        self.succeed_first[method] = after
        error: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
        if retry_after is not None:
            error["parameters"] = {"retry_after": retry_after}
        self.failures[method].append(error)

    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method in {"sendMessage", "sendDocument"}
                and (chat_id is None or str(c.params["chat_id"]) == str(chat_id))]

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        return [c.params.get("text", "") for c in self.sent(chat_id)]

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        name = method.__api_method__
        files: dict[str, Any] = {}
        params = {k: self.prepare_value(v, bot=bot, files=files)
                  for k, v in method.model_dump(warnings=False).items()}
        params = {k: v for k, v in params.items() if v}
        if files:
            params["files"] = {k: f.filename for k, f in files.items()}
        self.calls.append(Call(name, params))
        if name == "getUpdates" and not self.updates:
            await asyncio.sleep(0.05)  # a long poll that found nothing
        if self.failures.get(name) and self.succeed_first[name] > 0:
            self.succeed_first[name] -= 1
            content = {"ok": True, "result": self._result(name, params)}
        elif self.failures.get(name):
            content = self.failures[name].pop(0)
        else:
            content = {"ok": True, "result": self._result(name, params)}
        response = self.check_response(bot, method, content.get("error_code", 200), json.dumps(content))
        return response.result

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name in {"sendMessage", "sendDocument"}:
            return {"message_id": next(self._ids), "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private"},
                    "text": params.get("text")}
        if name == "getMe":
            return {"id": 42, "is_bot": True, "first_name": "Fixline", "username": "fixline_bot"}
        if name == "getUpdates":
            updates, self.updates = self.updates, []
            return updates
        if name == "getFile":
            file_id = params["file_id"]
            data = self.files.get(file_id)
            return {"file_id": file_id, "file_unique_id": file_id[-8:],
                    "file_size": len(data) if data is not None else 1, "file_path": f"files/{file_id}"}
        return True

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
                             chunk_size: int = 65536, raise_for_status: bool = True,
                             ) -> AsyncGenerator[bytes, None]:
        file_id = url.rsplit("/", 1)[-1]
        if file_id not in self.files:
            raise TelegramNetworkError(method=None, message="404 Not Found")  # type: ignore[arg-type]
        yield self.files[file_id]

    async def close(self) -> None:
        pass


class TelegramUser:
    """A Telegram user as updates show them: messages, button presses, blocking the bot."""

    _update_ids = count(1)

    def __init__(self, chat_id: int = 777001, name: str = "Ann") -> None:
        self.chat_id = chat_id
        self.user = {"id": chat_id, "is_bot": False, "first_name": name, "language_code": "en"}
        self._message_ids = count(1)

    def _update(self, **body: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **body}

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": self.chat_id, "type": "private"}, "from": self.user, **fields}

    def says(self, text: str) -> dict[str, Any]:
        return self._update(message=self._message(text=text))

    def edits(self, text: str) -> dict[str, Any]:
        message = self._message(text=text, edit_date=int(time.time()))
        return self._update(edited_message=message)

    def sends_voice(self, file_id: str, size: int) -> dict[str, Any]:
        voice = {"file_id": file_id, "file_unique_id": file_id[-8:], "duration": 3,
                 "mime_type": "audio/ogg", "file_size": size}
        return self._update(message=self._message(voice=voice))

    def sends_photo(self, file_id: str, size: int) -> dict[str, Any]:
        sizes = [{"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 60},
                 {"file_id": file_id, "file_unique_id": file_id[-8:], "width": 1200, "height": 800,
                  "file_size": size}]
        return self._update(message=self._message(photo=sizes))

    def shares_contact(self) -> dict[str, Any]:
        contact = {"phone_number": "+15551230000", "first_name": "Ann", "user_id": self.chat_id}
        return self._update(message=self._message(contact=contact))

    def presses(self, call: Call, label: str) -> dict[str, Any]:
        """Presses the button with this label on a message the bot sent."""
        button = next(b for row in call.keyboard for b in row if b["text"] == label)
        message = {"message_id": 1, "date": int(time.time()),
                   "chat": {"id": self.chat_id, "type": "private"},
                   "from": {"id": 42, "is_bot": True, "first_name": "Fixline"},
                   "text": call.params.get("text", ""),
                   "reply_markup": json.loads(call.params["reply_markup"])}
        return self._update(callback_query={"id": f"cb{next(self._message_ids)}", "from": self.user,
                                            "chat_instance": "ci", "message": message,
                                            "data": button["callback_data"]})

    def blocks_bot(self, blocked: bool = True) -> dict[str, Any]:
        member = {"user": {"id": 42, "is_bot": True, "first_name": "Fixline"}}
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        if blocked:
            new_member = {**member, "status": new, "until_date": 0}
            old_member = {**member, "status": old}
        else:
            new_member = {**member, "status": new}
            old_member = {**member, "status": old, "until_date": 0}
        return self._update(my_chat_member={
            "chat": {"id": self.chat_id, "type": "private"}, "from": self.user,
            "date": int(time.time()), "old_chat_member": old_member, "new_chat_member": new_member})
