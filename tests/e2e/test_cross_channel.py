"""One case, two channels: it starts in Telegram and carries on by SMS after /link, both
through their real webhooks, replies through the real senders."""

from __future__ import annotations

import re

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from fixline.cli.runtime import build
from fixline.web.app import create_app
from tests.bots.telegram_api import TelegramAPI, TelegramUser
from tests.bots.test_telegram import SECRET, Bot
from tests.bots.test_twilio_webhook import Fixline, Phone, option, twilio_settings
from tests.bots.twilio_server import FakeTwilio
from tests.support import DRAIN, CannedDiagnostician

pytestmark = pytest.mark.filterwarnings("ignore:.*(BasicAuth|'auth' parameter) is deprecated")


async def test_a_case_moves_from_telegram_to_sms_by_link(settings, fake: FakeTwilio):
    config = twilio_settings(settings, fake).model_copy(update={
        "telegram_customer_token": SecretStr("42:TEST"),
        "telegram_webhook_secret": SecretStr(SECRET)})
    runtime = build(config, CannedDiagnostician(DRAIN))
    api = TelegramAPI()
    assert runtime.channels.telegram is not None
    runtime.channels.telegram.bot.session = api
    app = create_app(config, runtime.engine, runtime.db, runtime.senders, channels=runtime.channels)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as http:
            telegram, sms = Bot(runtime, api, http), Phone(Fixline(runtime, http), fake, "+15551239876")
            ann = TelegramUser(chat_id=5550001)
            await telegram.receive(ann.says("hi"))
            await telegram.receive(ann.presses(telegram.last_with_buttons(ann.chat_id), "I agree"))
            await telegram.receive(ann.says("Bosch dishwasher"))
            await telegram.receive(ann.says("/link"))
            code = re.search(r"/link ([2-9A-Z]{8})", api.texts(ann.chat_id)[-1]).group(1)

            joined = await sms.say(f"/link {code}")
            assert joined[0] == "Linked: this chat now carries on your conversation from Telegram."
            assert "Bosch" in joined[1]
            diagnosis = await sms.say("It shows E24 and won't drain, water stays at the bottom")
            assert "Clogged drain filter" in diagnosis[-1]
            assert await sms.say(option(diagnosis, "It's fixed"))

            async with runtime.db.connect() as conn:
                rows = (await conn.execute(text(
                    "SELECT channel, direction FROM messages ORDER BY id"))).all()
                cases = (await conn.execute(text("SELECT outcome FROM cases"))).scalars().all()
            assert {r.channel for r in rows} == {"telegram", "sms"}
            assert cases == ["fixed"]
            # Telegram heard nothing of the SMS part: replies go where the message came from.
            assert not any("Clogged" in t for t in api.texts(ann.chat_id))
    finally:
        await runtime.close()


@pytest.fixture
def fake():
    from tests.bots.test_twilio_webhook import ACCOUNT_SID, AUTH_TOKEN

    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN).running() as server:
        yield server
