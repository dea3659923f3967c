"""SMS and WhatsApp end to end, as production wires them: signed webhooks into the real
app, the real conversation engine and outbox on SQLite and PostgreSQL, replies through
the real twilio REST client to a local fake of Twilio's API, media fetched from it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr

from fixline.agent.diagnosis import Diagnostician
from fixline.cli.runtime import Runtime, build
from fixline.core.settings import Settings
from fixline.web.app import create_app
from tests.agent.test_perception import display, jpeg
from tests.bots.twilio_server import FakeTwilio, incoming_form, signature
from tests.conftest import count
from tests.support import DRAIN, CannedDiagnostician

# The twilio library hands aiohttp its deprecated BasicAuth; not ours to change.
pytestmark = pytest.mark.filterwarnings("ignore:.*(BasicAuth|'auth' parameter) is deprecated")

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "twilio-auth-token-for-tests"
FROM_SMS = "+15005550006"
FROM_WHATSAPP = "+14155238886"
PUBLIC_URL = "https://fixline.example"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@dataclass
class Fixline:
    runtime: Runtime
    http: httpx.AsyncClient

    async def settle(self) -> None:
        """What runs in the background after a webhook: the message, then the outbox."""
        await self.runtime.channels.intake.drain()
        await self.runtime.dispatcher.drain()

    async def post(self, path: str, form: dict[str, str], signed_for: str | None = None,
                   token: str = AUTH_TOKEN) -> httpx.Response:
        """A webhook as Twilio sends it, signed for the public URL it was configured with."""
        url = signed_for or PUBLIC_URL + path
        return await self.http.post(path, data=form, headers=signature(token, url, form))

    async def count(self, sql: str) -> int:
        return await count(self.runtime.db, sql)


class Phone:
    """A customer's phone: texts Fixline through Twilio and reads what comes back."""

    def __init__(self, fixline: Fixline, fake: FakeTwilio, number: str = "+15551230001",
                 channel: str = "sms") -> None:
        self.fixline, self.fake = fixline, fake
        self.number, self.channel = number, channel
        self.seen = 0

    @property
    def address(self) -> str:
        return f"whatsapp:{self.number}" if self.channel == "whatsapp" else self.number

    @property
    def fixline_number(self) -> str:
        return f"whatsapp:{FROM_WHATSAPP}" if self.channel == "whatsapp" else FROM_SMS

    def form(self, body: str = "", media: tuple[tuple[str, str], ...] = (),
             sid: str | None = None) -> dict[str, str]:
        return incoming_form(ACCOUNT_SID, self.address, self.fixline_number, body, media, sid)

    async def say(self, body: str = "", media: tuple[tuple[str, str], ...] = (),
                  sid: str | None = None) -> list[str]:
        """Sends a message, lets Fixline work, returns what this phone received since."""
        response = await self.fixline.post(f"/webhooks/twilio/{self.channel}", self.form(body, media, sid))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        assert response.text == EMPTY_TWIML
        await self.fixline.settle()
        return self.received()

    def received(self) -> list[str]:
        mine = [m.form["Body"] for m in self.fake.sent if m.form["To"] == self.address]
        new, self.seen = mine[self.seen:], len(mine)
        return new

    async def start_case(self, equipment: str = "Dishwasher") -> list[str]:
        greeting = await self.say("hi")
        assert greeting[-1].endswith("Is that OK?\n\nReply 1 for I agree or 2 for Privacy details.")
        asked = await self.say(option(greeting, "I agree"))
        return await self.say(option(asked, equipment))


def option(bodies: list[str], label: str) -> str:
    """The number the last message offers for `label` ("Reply 1 for I agree or 2 for …")."""
    offer = bodies[-1].rsplit("Reply ", 1)[1]
    for choice in offer.rstrip(".").replace(" or ", ", ").split(", "):
        number, _, named = choice.partition(" for ")
        if named == label:
            return number
    raise AssertionError(f"{label!r} is not offered in {offer!r}")


def twilio_settings(settings: Settings, fake: FakeTwilio, **changes: object) -> Settings:
    return settings.model_copy(update={
        "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": SecretStr(AUTH_TOKEN),
        "twilio_from_sms": FROM_SMS, "twilio_from_whatsapp": FROM_WHATSAPP,
        "twilio_api_url": fake.url, "public_url": PUBLIC_URL, **changes,
    })


@asynccontextmanager
async def running(settings: Settings, diagnostician: Diagnostician) -> AsyncIterator[Fixline]:
    """The app as `fixline serve` builds it, driven in-process."""
    runtime = build(settings, diagnostician)
    app = create_app(runtime.settings, runtime.engine, runtime.db, runtime.senders,
                     channels=runtime.channels)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                     base_url="http://10.0.0.7:8000") as http:
            yield Fixline(runtime, http)
    finally:
        await runtime.close()


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN).running() as server:
        yield server


@pytest.fixture
def diagnostician() -> CannedDiagnostician:
    return CannedDiagnostician(DRAIN)


@pytest.fixture
async def fixline(settings, fake, diagnostician) -> AsyncIterator[Fixline]:
    async with running(twilio_settings(settings, fake), diagnostician) as app:
        yield app


@pytest.fixture
def phone(fixline: Fixline, fake: FakeTwilio) -> Phone:
    return Phone(fixline, fake)


async def send_photo_of_e24(phone: Phone, fake: FakeTwilio) -> list[str]:
    url = fake.add_media(jpeg(display("E24")), "image/jpeg")
    said = await phone.say("this is what the display shows", media=((url, "image/jpeg"),))
    # Fetched with the account's credentials, following Twilio's redirect to storage.
    fetched = fake.requests_for(url)
    assert [r.basic_auth for r in fetched] == [(ACCOUNT_SID, AUTH_TOKEN)]
    assert fake.requests_for(f"{fake.url}/storage/{url.rsplit('/', 1)[-1]}")
    return said


async def test_sms_conversation_from_greeting_to_diagnosis_with_a_photo(phone, fake, diagnostician):
    greeting = await phone.say("hi")
    assert greeting[0].startswith("Hi, I'm Fixline.")
    asked = await phone.say("1")  # "Reply 1 for I agree"
    assert asked[0].startswith("Thanks!")
    await phone.say(option(asked, "Dishwasher"))

    said = await send_photo_of_e24(phone, fake)
    assert said[0] == "Thanks, I'm reading your photo..."  # "…" sent as GSM-7 dots
    assert "I can read E24 on the display." in said
    assert "E24" in diagnostician.asked[-1].codes  # the photo fed the diagnosis
    diagnosis = "\n".join(said)
    assert "Clogged drain filter" in diagnosis
    assert said[-1].endswith("Reply 1 for It's fixed, 2 for Not fixed or 3 for New case.")
    assert await phone.fixline.count("SELECT count(*) FROM files WHERE ocr_text = 'E24'") == 1

    thanks = await phone.say("1")  # It's fixed
    assert thanks[-1].startswith("Great, glad it's working again!")
    assert thanks[-1].endswith("Reply 1, 2, 3, 4 or 5.")

    # Every reply went through the real REST client to the configured API, authenticated.
    assert fake.messages
    for message in fake.messages:
        assert message.basic_auth == (ACCOUNT_SID, AUTH_TOKEN)
        assert message.form["From"] == FROM_SMS and message.form["To"] == phone.number
        assert message.form["StatusCallback"] == "https://fixline.example/webhooks/twilio/status"
    assert await phone.fixline.count(
        "SELECT count(*) FROM deliveries WHERE channel = 'sms' AND status = 'sent'") == len(fake.messages)


@pytest.mark.slow  # the seeded knowledge base is built once per run (about a minute)
async def test_photo_diagnosed_from_the_seeded_knowledge(settings, fake, offline):
    async with running(twilio_settings(settings, fake), offline) as fixline:
        phone = Phone(fixline, fake)
        await phone.start_case("Dishwasher")
        said = await send_photo_of_e24(phone, fake)
        assert "I can read E24 on the display." in said
        assert "Most likely causes" in "\n".join(said)
        assert "drain" in "\n".join(said).lower()


async def test_whatsapp_conversation_from_greeting_to_diagnosis(fixline, fake):
    phone = Phone(fixline, fake, "+447700900123", channel="whatsapp")
    greeting = await phone.say("Hello")
    assert greeting[0].startswith("Hi, I'm Fixline.")
    sent = fake.messages[-1]
    assert sent.form["To"] == "whatsapp:+447700900123"
    assert sent.form["From"] == f"whatsapp:{FROM_WHATSAPP}"
    assert sent.form["Body"].endswith("Reply 1 for I agree or 2 for Privacy details.")
    # The identity is the bare number on the whatsapp channel, apart from its SMS twin.
    assert await fixline.count("SELECT count(*) FROM channel_identities "
                               "WHERE channel = 'whatsapp' AND address = '+447700900123'") == 1
    asked = await phone.say("1")
    assert asked[0].startswith("Thanks!")
    await phone.say("Bosch dishwasher")
    diagnosis = await phone.say("It shows E24 and won't drain, water stays at the bottom")
    assert "Clogged drain filter" in "\n".join(diagnosis)
    # WhatsApp takes Unicode as it is: no GSM-7 flattening of the typography.
    assert any("–" in body or "’" in body for body in diagnosis)
    thanks = await phone.say(option(diagnosis, "It's fixed"))
    assert thanks[-1].startswith("Great, glad it's working again!")


async def test_forged_or_missing_signature_is_refused_and_nothing_stored(fixline, phone, fake):
    form = phone.form("hi")
    path = "/webhooks/twilio/sms"
    refused = [
        await fixline.http.post(path, data=form),  # unsigned
        await fixline.post(path, form, token="not-the-auth-token"),
        # Signed for the address our server sees, not the public one Twilio called.
        await fixline.post(path, form, signed_for="http://10.0.0.7:8000" + path),
        await fixline.http.post(path, data={**form, "Body": "tampered"},
                                headers=signature(AUTH_TOKEN, PUBLIC_URL + path, form)),
        await fixline.http.post("/webhooks/twilio/status",
                                data={"MessageSid": "SMx", "MessageStatus": "failed"},
                                headers={"X-Twilio-Signature": "Zm9yZ2Vk"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    await fixline.settle()
    assert await fixline.count("SELECT count(*) FROM inbox") == 0
    assert fake.messages == []


async def test_query_string_is_part_of_the_signed_url(fixline, phone):
    form = phone.form("hi")
    path = "/webhooks/twilio/sms?source=console"
    assert (await fixline.post(path, form)).status_code == 200
    assert (await fixline.post(path, form, signed_for=PUBLIC_URL + "/webhooks/twilio/sms")).status_code == 403


async def test_redelivered_message_is_processed_once(fixline, phone):
    first = await phone.say("hi", sid="SM" + "a" * 32)
    again = await phone.say("hi", sid="SM" + "a" * 32)  # Twilio retrying a slow answer
    assert len(first) == 1 and again == []
    assert await fixline.count("SELECT count(*) FROM inbox") == 1


@pytest.mark.slow  # the media worker waits 1 s and 3 s between its three attempts
async def test_photo_that_cannot_be_downloaded_gets_a_clear_answer(phone, fake):
    await phone.start_case()
    missing = fake.missing_media_url()
    said = await phone.say(media=((missing, "image/jpeg"),))
    assert said[-1].startswith("I couldn't download the photo or recording you sent. "
                               "Please try sending it again.")
    assert len(fake.requests_for(missing)) == 3  # tried three times before telling the customer


async def test_stop_suppresses_replies_until_start(fixline, phone, fake):
    await phone.say("hi")
    assert await phone.say("Stop") == []  # Twilio confirms a STOP itself
    assert await fixline.count("SELECT count(*) FROM channel_identities "
                               "WHERE opted_out_at IS NOT NULL") == 1
    calls = len(fake.messages)
    assert await phone.say("my dishwasher won't drain") == []
    assert len(fake.messages) == calls  # not even attempted
    assert await fixline.count("SELECT count(*) FROM deliveries WHERE status = 'suppressed'") == 1

    back = await phone.say("START")
    assert back == ["You'll get my messages here again. Tell me what's wrong, or send HELP."]
    assert await fixline.count("SELECT count(*) FROM channel_identities "
                               "WHERE opted_out_at IS NOT NULL") == 0
    helped = await phone.say("help")
    assert helped[0].startswith("Tell me what's wrong in your own words")
    assert "/new - start a new case" in helped[0]  # the en dash sent as GSM-7


async def test_yes_restarts_a_stopped_number(fixline, phone):
    await phone.say("hi")
    await phone.say("UNSUBSCRIBE")
    assert (await phone.say("yes"))[0].startswith("You'll get my messages here again")


async def test_status_callbacks_update_the_delivery(fixline, phone, fake):
    await phone.say("hi")
    sid = fake.sent[-1].response_sid
    assert await fixline.count("SELECT count(*) FROM deliveries WHERE channel = 'sms' "
                               f"AND status = 'sent' AND provider_message_id = '{sid}'") == 1

    def callback(status: str, **extra: str) -> dict[str, str]:
        return {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
                "AccountSid": ACCOUNT_SID, "From": FROM_SMS, "To": phone.number, **extra}

    response = await fixline.post("/webhooks/twilio/status", callback("delivered"))
    assert response.status_code == 204
    assert await fixline.count("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 1
    # Callbacks arrive out of order: a late "sent" does not undo "delivered".
    await fixline.post("/webhooks/twilio/status", callback("sent"))
    assert await fixline.count("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 1

    await phone.say("/help")
    second = fake.sent[-1].response_sid
    await fixline.post("/webhooks/twilio/status", {**callback("undelivered", ErrorCode="30003"),
                                                   "MessageSid": second, "SmsSid": second})
    assert await fixline.count("SELECT count(*) FROM deliveries WHERE status = 'undelivered' "
                               "AND error = 'Twilio error 30003'") == 1


async def test_whatsapp_status_callback_finds_the_whatsapp_delivery(fixline, fake):
    phone = Phone(fixline, fake, channel="whatsapp")
    await phone.say("hi")
    sid = fake.sent[-1].response_sid
    response = await fixline.post("/webhooks/twilio/status", {
        "MessageSid": sid, "MessageStatus": "read", "From": f"whatsapp:{FROM_WHATSAPP}",
        "To": phone.address})
    assert response.status_code == 204
    assert await fixline.count("SELECT count(*) FROM deliveries WHERE channel = 'whatsapp' "
                               "AND status = 'read'") == 1


async def test_unsubscribed_recipient_fails_once_without_retries(fixline, phone, fake):
    fake.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")
    assert await phone.say("hi") == []
    assert len(fake.messages) == 1  # the one refused attempt
    assert await fixline.count("SELECT count(*) FROM outbox WHERE topic = 'conversation.reply' "
                               "AND failed_at IS NOT NULL AND attempts = 1") == 1
    assert await fixline.count("SELECT count(*) FROM deliveries WHERE status = 'failed'") == 1
    assert await fixline.count("SELECT count(*) FROM channel_identities "
                               "WHERE opted_out_at IS NOT NULL") == 1
    await fixline.settle()
    await phone.say("hello?")  # suppressed now, not sent to be refused again
    assert len(fake.messages) == 1


async def test_message_for_a_channel_without_a_number_is_refused(settings, fake):
    async with running(twilio_settings(settings, fake, twilio_from_whatsapp=None),
                       CannedDiagnostician(DRAIN)) as fixline:
        assert set(fixline.runtime.senders.channels()) >= {"sms"}
        assert "whatsapp" not in fixline.runtime.senders.channels()
        phone = Phone(fixline, fake, channel="whatsapp")
        response = await fixline.post("/webhooks/twilio/whatsapp", phone.form("hi"))
        assert response.status_code == 404
        assert await fixline.count("SELECT count(*) FROM inbox") == 0
