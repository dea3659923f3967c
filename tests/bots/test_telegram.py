"""The Telegram customer bot through the real webhook route and aiogram dispatcher, with
Telegram's side played by a recording session (tests/bots/telegram_api.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select, text

from fixline.bots.telegram.render import MAX_TEXT, render, split
from fixline.cli.runtime import Runtime, build
from fixline.core.outbox import OutboxRow
from fixline.core.settings import Settings
from fixline.dialogs.messages import Button, Reply
from fixline.dialogs.outbound import REPLY_TOPIC
from fixline.web.app import create_app
from tests.bots.telegram_api import TelegramAPI, TelegramUser
from tests.conftest import count
from tests.support import DRAIN, CannedDiagnostician

SECRET = "webhook-secret_1"


@dataclass
class Bot:
    """The deployed bot in a test: post updates to its webhook, see what it sent."""

    runtime: Runtime
    api: TelegramAPI
    client: httpx.AsyncClient

    async def receive(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        response = await self.client.post("/webhooks/telegram/customer", json=update, headers=headers)
        await self.runtime.channels.intake.drain()
        await self.runtime.dispatcher.drain()
        return response

    def last_with_buttons(self, chat_id: int) -> Any:
        return next(c for c in reversed(self.api.sent(chat_id)) if c.keyboard)


def telegram_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"telegram_customer_token": SecretStr("42:TEST"),
                                       "telegram_webhook_secret": SecretStr(SECRET)})


async def deployed(config: Settings, diagnostician: Any = None) -> AsyncIterator[Bot]:
    runtime = build(config, diagnostician or CannedDiagnostician(DRAIN))
    runtime.fetchers.delays = (0.0, 0.0)
    api = TelegramAPI()
    assert runtime.channels.telegram is not None
    runtime.channels.telegram.bot.session = api
    app = create_app(config, runtime.engine, runtime.db, runtime.senders, channels=runtime.channels)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as client:
        yield Bot(runtime, api, client)
    await runtime.close()


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async for deployed_bot in deployed(telegram_settings(settings)):
        yield deployed_bot


async def test_a_conversation_from_greeting_to_diagnosis(bot: Bot):
    ann = TelegramUser()
    assert (await bot.receive(ann.says("hi"))).status_code == 200
    greeting = bot.last_with_buttons(ann.chat_id)
    assert "Fixline" in greeting.params["text"]
    assert [b["text"] for row in greeting.keyboard for b in row] == ["I agree", "Privacy details"]

    await bot.receive(ann.presses(greeting, "I agree"))
    answered = [c for c in bot.api.calls if c.method == "answerCallbackQuery"]
    assert answered, "the button's spinner is stopped"
    assert "What needs fixing?" in bot.api.texts(ann.chat_id)[-1]

    await bot.receive(ann.says("Bosch dishwasher"))
    await bot.receive(ann.says("It shows E24 and won't drain, water stays at the bottom"))
    diagnosis = bot.api.texts(ann.chat_id)[-1]
    assert "Clogged drain filter" in diagnosis
    outcome = bot.last_with_buttons(ann.chat_id)
    assert {b["callback_data"] for row in outcome.keyboard for b in row} >= {"outcome:fixed"}
    assert all(len(b["callback_data"].encode()) <= 64 for row in outcome.keyboard for b in row)
    # The transcript names the channel every message crossed.
    async with bot.runtime.db.connect() as conn:
        channels = set((await conn.execute(text("SELECT channel FROM messages"))).scalars())
    assert channels == {"telegram"}


async def test_a_forged_or_missing_secret_is_refused_and_nothing_is_stored(bot: Bot):
    ann = TelegramUser()
    assert (await bot.receive(ann.says("hi"), secret="guess")).status_code == 403
    assert (await bot.receive(ann.says("hi"), secret=None)).status_code == 403
    assert await count(bot.runtime.db, "SELECT count(*) FROM inbox") == 0
    assert bot.api.calls == []


async def test_a_button_spinner_that_cannot_be_stopped_does_not_fail_the_webhook(bot: Bot):
    ann = TelegramUser()
    await bot.receive(ann.says("hi"))
    bot.api.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old")
    response = await bot.receive(ann.presses(bot.last_with_buttons(ann.chat_id), "I agree"))
    assert response.status_code == 200
    assert "What needs fixing?" in bot.api.texts(ann.chat_id)[-1]


async def test_a_redelivered_update_is_processed_once(bot: Bot):
    ann = TelegramUser()
    update = ann.says("hi")
    await bot.receive(update)
    await bot.receive(update)
    assert len(bot.api.texts(ann.chat_id)) == 1
    assert await count(bot.runtime.db, "SELECT count(*) FROM inbox") == 1


async def test_unknown_updates_and_garbage_are_acknowledged(bot: Bot):
    poll = {"update_id": 990001, "poll": {"id": "1", "question": "?", "options": [], "total_voter_count": 0,
                                          "is_closed": False, "is_anonymous": True, "type": "regular",
                                          "allows_multiple_answers": False}}
    assert (await bot.receive(poll)).status_code == 200
    response = await bot.client.post("/webhooks/telegram/customer", content=b"\xff not json",
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 200
    assert await count(bot.runtime.db, "SELECT count(*) FROM inbox") == 0


async def test_an_edited_message_and_a_shared_contact_are_answered(bot: Bot):
    ann = TelegramUser()
    await bot.receive(ann.says("hi"))
    await bot.receive(ann.presses(bot.last_with_buttons(ann.chat_id), "I agree"))
    await bot.receive(ann.edits("Whirlpool washing machine"))
    assert "washing machine" in bot.api.texts(ann.chat_id)[-1].lower() or "what" in bot.api.texts(
        ann.chat_id)[-1].lower()
    await bot.receive(ann.shares_contact())
    assert "don't need your phone number" in bot.api.texts(ann.chat_id)[-1]


async def test_a_blocked_bot_is_recorded_once_and_not_retried(bot: Bot):
    ann = TelegramUser()
    bot.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await bot.receive(ann.says("hi"))
    await bot.runtime.dispatcher.drain()
    sends = [c for c in bot.api.calls if c.method == "sendMessage"]
    assert len(sends) == 1, "a 403 is final: no retry storm"
    async with bot.runtime.db.connect() as conn:
        failed = (await conn.execute(text(
            "SELECT status, error FROM deliveries"))).one()
        event = (await conn.execute(text(
            "SELECT failed_at IS NOT NULL, last_error FROM outbox WHERE topic = 'conversation.reply'"))).one()
    assert failed.status == "failed" and "blocked" in failed.error
    assert event[0] and "blocked" in event[1]
    # While blocked nothing is sent; once unblocked the customer hears from us again.
    await bot.receive(ann.says("/help"))
    assert len([c for c in bot.api.calls if c.method == "sendMessage"]) == 1
    await bot.receive(ann.blocks_bot(blocked=False))
    assert "You'll get my messages here again" in bot.api.texts(ann.chat_id)[-1]


async def test_blocking_the_bot_stops_sends(bot: Bot):
    ann = TelegramUser()
    await bot.receive(ann.says("hi"))
    await bot.receive(ann.blocks_bot())
    await bot.receive(ann.says("/help"))
    assert len(bot.api.texts(ann.chat_id)) == 1
    assert await count(bot.runtime.db, "SELECT count(*) FROM deliveries WHERE status = 'suppressed'") == 1


async def test_flood_control_from_telegram_waits_as_told(bot: Bot):
    ann = TelegramUser()
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    await bot.receive(ann.says("hi"))
    async with bot.runtime.db.connect() as conn:
        row = (await conn.execute(select(
            OutboxRow.attempts, OutboxRow.available_at, OutboxRow.created_at, OutboxRow.delivered_at,
        ).where(OutboxRow.topic == REPLY_TOPIC))).one()
    assert row.delivered_at is None and row.attempts == 1
    assert (row.available_at - row.created_at).total_seconds() >= 7


async def test_export_arrives_as_a_document(bot: Bot):
    ann = TelegramUser()
    await bot.receive(ann.says("hi"))
    await bot.receive(ann.says("/export"))
    document = [c for c in bot.api.calls if c.method == "sendDocument"]
    assert document and list(document[0].params["files"].values()) == ["fixline-export.json"]


async def test_a_photo_that_cannot_be_downloaded_gets_a_clear_message(bot: Bot):
    ann = TelegramUser()
    await bot.receive(ann.says("hi"))
    await bot.receive(ann.sends_photo("missing-photo", 1000))
    await bot.runtime.dispatcher.drain()
    assert "reading your photo" in " ".join(bot.api.texts(ann.chat_id))
    assert "couldn't download your file from Telegram" in bot.api.texts(ann.chat_id)[-1]
    downloads = [c for c in bot.api.calls if c.method == "getFile"]
    assert len(downloads) == 3, "tried again before giving up"


def test_long_replies_are_split_within_telegram_limit_and_keep_words_whole():
    words = " ".join(f"word{i}" for i in range(2000))
    pieces = render(Reply(words, (Button("It's fixed", "outcome:fixed"),)))
    assert len(pieces) == 5  # 16,889 characters
    assert all(len(p.text) <= MAX_TEXT for p in pieces)
    assert " ".join(p.text for p in pieces) == words
    assert pieces[-1].keyboard is not None and all(p.keyboard is None for p in pieces[:-1])
    assert split("x" * 5000, 4096) == ["x" * 4096, "x" * 904]
    # Telegram counts UTF-16 units: an emoji takes two.
    assert [len(p) for p in split("🔧" * 3000, 4096)] == [2048, 952]


def test_buttons_and_links_render_natively():
    too_long = "x" * 65
    keyboard = render(Reply("Pay", (Button("OK", "ok"), Button("Odd", too_long)),
                            link="https://pay.example/c/1"))[0].keyboard
    assert keyboard is not None
    assert [[b.url or b.callback_data for b in row] for row in keyboard.inline_keyboard] == [
        ["https://pay.example/c/1"], ["ok"]]
    local = render(Reply("Pay here", link="http://127.0.0.1:8000/pay/1"))[0]
    assert local.text.endswith("http://127.0.0.1:8000/pay/1") and local.keyboard is None


class SlowDiagnostician(CannedDiagnostician):
    async def diagnose(self, facts):  # type: ignore[no-untyped-def]
        import asyncio

        await asyncio.sleep(0.8)
        return await super().diagnose(facts)


@pytest.mark.slow
async def test_a_voice_note_is_heard_and_diagnosed(settings: Settings, tmp_path):
    from tests.agent.test_voice import speech

    async for bot in deployed(telegram_settings(settings)):
        ann = TelegramUser()
        await bot.receive(ann.says("hi"))
        await bot.receive(ann.presses(bot.last_with_buttons(ann.chat_id), "I agree"))
        await bot.receive(ann.says("Bosch dishwasher"))
        note = speech(tmp_path, "my dishwasher shows error E 24 and will not drain", "ogg")
        bot.api.files["voice-note-1"] = note
        await bot.receive(ann.sends_voice("voice-note-1", len(note)))
        await bot.runtime.dispatcher.drain()
        texts = bot.api.texts(ann.chat_id)
        assert any(t.startswith("I heard:") and "will not" in t for t in texts)
        assert "Clogged drain filter" in texts[-1]
        async with bot.runtime.db.connect() as conn:
            stored = (await conn.execute(text("SELECT kind, status FROM files"))).one()
        assert tuple(stored) == ("voice", "processed")


async def test_typing_is_shown_while_a_diagnosis_takes_time(settings: Settings):
    async for bot in deployed(telegram_settings(settings), SlowDiagnostician(DRAIN)):
        ann = TelegramUser()
        await bot.receive(ann.says("hi"))
        await bot.receive(ann.presses(bot.last_with_buttons(ann.chat_id), "I agree"))
        await bot.receive(ann.says("Bosch dishwasher"))
        quick = len([c for c in bot.api.calls if c.method == "sendChatAction"])
        await bot.receive(ann.says("It shows E24 and won't drain, water stays at the bottom"))
        typing = [c for c in bot.api.calls if c.method == "sendChatAction"]
        assert quick == 0, "quick answers flash no typing…"
        assert typing and typing[0].params["action"] == "typing"
        assert "Clogged drain filter" in bot.api.texts(ann.chat_id)[-1]


async def test_polling_takes_updates_like_the_webhook(bot: Bot):
    """`fixline bots --polling`: no public URL, the same routers, the same inbox."""
    import asyncio

    ann = TelegramUser()
    telegram = bot.runtime.channels.telegram
    assert telegram is not None
    bot.api.updates.append(ann.says("hi"))
    polling = asyncio.create_task(telegram.poll())
    for _ in range(100):
        await asyncio.sleep(0.05)
        if await count(bot.runtime.db, "SELECT count(*) FROM inbox") == 1:
            break
    await telegram.dispatcher.stop_polling()
    await polling
    await bot.runtime.channels.intake.drain()
    await bot.runtime.dispatcher.drain()
    methods = [c.method for c in bot.api.calls]
    assert methods[:2] == ["deleteWebhook", "setMyCommands"] and "getUpdates" in methods
    assert "Fixline" in bot.api.texts(ann.chat_id)[0]


async def test_set_webhook_registers_the_url_the_secret_and_the_menu(bot: Bot):
    telegram = bot.runtime.channels.telegram
    assert telegram is not None
    url = await telegram.set_webhook("https://fixline.example/")
    assert url == "https://fixline.example/webhooks/telegram/customer"
    webhook = next(c for c in bot.api.calls if c.method == "setWebhook")
    assert webhook.params["url"] == url and webhook.params["secret_token"] == SECRET
    assert "callback_query" in webhook.params["allowed_updates"]
    menu = next(c for c in bot.api.calls if c.method == "setMyCommands")
    assert "link" in menu.params["commands"]


async def test_a_long_reply_that_fails_halfway_resends_only_what_was_not_sent(bot: Bot):
    from fixline.core.ids import new_id
    from fixline.core.outbox import Event
    from fixline.dialogs.outbound import reply_event

    words = " ".join(f"word{i}" for i in range(1500))
    parts = len(render(Reply(words)))
    assert parts == 4
    event = reply_event("telegram", "777001", Reply(words))
    event = Event(event.topic, event.payload, id=new_id())
    bot.api.fail_next("sendMessage", 502, "Bad Gateway", after=1)
    with pytest.raises(Exception, match="Bad Gateway"):
        await bot.runtime.senders.deliver(event)
    await bot.runtime.senders.deliver(event)  # the dispatcher's retry
    sent = [c.params["text"] for c in bot.api.calls if c.method == "sendMessage"]
    assert len(sent) == parts + 1  # part 1, part 2 refused, then parts 2 to 4 only
    assert " ".join([sent[0], *sent[2:]]) == words
    assert await count(bot.runtime.db, "SELECT count(*) FROM deliveries WHERE status = 'sent'") == parts


async def test_a_message_telegram_rejects_fails_once_without_opting_the_customer_out(bot: Bot):
    ann = TelegramUser()
    bot.api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    await bot.receive(ann.says("hi"))
    await bot.runtime.dispatcher.drain()
    assert len([c for c in bot.api.calls if c.method == "sendMessage"]) == 1
    assert await count(bot.runtime.db, "SELECT count(*) FROM deliveries WHERE status = 'failed'") == 1
    assert await count(bot.runtime.db, "SELECT count(*) FROM channel_identities "
                                       "WHERE opted_out_at IS NOT NULL") == 0
    await bot.receive(ann.says("/help"))
    assert len(bot.api.texts(ann.chat_id)) == 2, "the next reply is tried as usual"


async def test_sends_to_one_chat_are_paced_after_a_short_burst(bot: Bot):
    """Telegram allows about one message a second per chat: a reply of three messages goes
    at once, the fourth waits for the bucket to drain; another chat is not held up."""
    from fixline.bots.telegram.sender import CHAT_BURST

    sender = bot.runtime.channels.telegram.sender  # type: ignore[union-attr]
    for _ in range(CHAT_BURST):
        await sender.send("777001", Reply("quick"))
    assert not sender._chats["777001"].has_capacity()
    await sender.send("777002", Reply("another chat"))
    assert sender._chats["777002"].has_capacity()
