"""The sender and the media fetcher against a local fake of Twilio: the real twilio REST
client and httpx make real requests; Twilio's answers become the dispatcher's rules."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from fixline.bots.twilio.media import TwilioFetcher
from fixline.bots.twilio.rest import TwilioRest
from fixline.bots.twilio.sender import TwilioSender, TwilioUnavailable
from fixline.core.dispatcher import PermanentFailure, RetryAfter
from fixline.dialogs.media_worker import FetchFailed
from fixline.dialogs.messages import Button, Reply
from fixline.dialogs.outbound import RecipientGone
from tests.bots.twilio_server import FakeTwilio
from tests.server import free_port

pytestmark = pytest.mark.filterwarnings("ignore:.*(BasicAuth|'auth' parameter) is deprecated")

SID, TOKEN = "AC" + "7" * 32, "sender-test-token"
CALLBACK = "https://fixline.example/webhooks/twilio/status"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN).running() as server:
        yield server


@pytest.fixture
async def rest(fake: FakeTwilio) -> AsyncIterator[TwilioRest]:
    client = TwilioRest(SID, TOKEN, api_url=fake.url)
    yield client
    await client.close()


@pytest.fixture
async def fetcher(fake: FakeTwilio) -> AsyncIterator[TwilioFetcher]:
    media = TwilioFetcher(SID, TOKEN, api_url=fake.url, timeout=0.5, max_bytes=1000)
    yield media
    await media.close()


async def test_a_reply_is_posted_to_the_messages_api(rest, fake):
    sender = TwilioSender(rest, "sms", "+15005550006", CALLBACK)
    ids = await sender.send("+15551230001", Reply("Did that help?", (Button("Yes", "a"), Button("No", "b"))))
    [request] = fake.sent
    assert ids == [request.response_sid]
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.basic_auth == (SID, TOKEN)
    assert request.form == {"To": "+15551230001", "From": "+15005550006", "StatusCallback": CALLBACK,
                            "Body": "Did that help?\n\nReply 1 for Yes or 2 for No."}


async def test_whatsapp_numbers_get_the_prefix_and_long_replies_several_messages(rest, fake):
    sender = TwilioSender(rest, "whatsapp", "whatsapp:+14155238886", CALLBACK)
    ids = await sender.send("+15551230001", Reply("word " * 700))
    assert len(ids) == 3 and len(set(ids)) == 3
    assert {m.form["To"] for m in fake.messages} == {"whatsapp:+15551230001"}
    assert {m.form["From"] for m in fake.messages} == {"whatsapp:+14155238886"}


@pytest.mark.parametrize(("status", "code", "raised"), [
    (400, 21610, RecipientGone),  # the recipient texted STOP
    (400, 21211, PermanentFailure),  # not a valid phone number
    (400, 21614, PermanentFailure),  # not a mobile number
    (400, 63024, PermanentFailure),  # not a WhatsApp user
    (400, 21617, PermanentFailure),  # any other refusal
    (401, 20003, PermanentFailure),  # wrong credentials
    (429, 20429, RetryAfter),
    (500, 20500, TwilioUnavailable),
    (503, 20503, TwilioUnavailable),
])
async def test_twilio_errors_as_the_dispatcher_understands_them(rest, fake, status, code, raised):
    fake.fail_next(status, code, "refused for the test")
    sender = TwilioSender(rest, "sms", "+15005550006", CALLBACK)
    with pytest.raises(raised) as caught:
        await sender.send("+15551230001", Reply("hello"))
    assert type(caught.value) is raised
    if raised is not RecipientGone:
        assert isinstance(caught.value, RetryAfter) or str(code) in str(caught.value)
    if isinstance(caught.value, RetryAfter):
        assert caught.value.seconds > 0


async def test_an_unreachable_api_is_worth_retrying():
    rest = TwilioRest(SID, TOKEN, api_url=f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(TwilioUnavailable):
            await TwilioSender(rest, "sms", "+15005550006", CALLBACK).send("+15551230001", Reply("hi"))
    finally:
        await rest.close()


async def test_media_is_fetched_with_the_credentials_through_the_redirect(fetcher, fake):
    url = fake.add_media(b"\xff\xd8 a small jpeg", "image/jpeg")
    assert await fetcher.fetch(url) == b"\xff\xd8 a small jpeg"
    [asked] = fake.requests_for(url)
    assert asked.basic_auth == (SID, TOKEN)


async def test_media_failures_are_told_politely(fetcher, fake):
    for url in (fake.missing_media_url(),  # 404
                fake.add_media(b"x" * 2000, "image/jpeg"),  # over this fetcher's 1000 bytes
                fake.add_media(b"slow", "image/jpeg", delay=2.0),  # past its 0.5 s timeout
                f"http://127.0.0.1:{free_port()}/nothing-listens-here"):
        with pytest.raises(FetchFailed) as caught:
            await fetcher.fetch(url)
        assert str(caught.value).startswith(("I couldn't download", "That file is too large"))


async def test_media_is_refused_without_credentials(fake):
    fetcher = TwilioFetcher(SID, "wrong-token", api_url=fake.url)
    try:
        with pytest.raises(FetchFailed, match="I couldn't download the photo or recording"):
            await fetcher.fetch(fake.add_media(b"data", "image/png"))
    finally:
        await fetcher.close()


async def test_credentials_go_only_to_twilio(fetcher):
    with pytest.raises(FetchFailed):
        await fetcher.fetch("https://attacker.example/steal")
    with pytest.raises(FetchFailed):
        await fetcher.fetch("http://api.twilio.com/plain-http")


async def test_a_number_quoted_in_an_error_stays_out_of_logs_and_records(rest, fake):
    fake.fail_next(400, 21211, "The 'To' number +15551230001 is not a valid phone number.")
    sender = TwilioSender(rest, "sms", "+15005550006", CALLBACK)
    with pytest.raises(PermanentFailure) as caught:
        await sender.send("+15551230001", Reply("hello"))
    assert "+15551230001" not in str(caught.value) and "[number]" in str(caught.value)
