"""Twilio's webhook forms as one Inbound, its keywords as our actions, and its signature."""

from __future__ import annotations

import pytest

from fixline.bots.twilio.convert import MalformedWebhook, inbound, needs_opt_out_state, status_update
from fixline.bots.twilio.signature import WebhookSignature
from fixline.dialogs.messages import Attachment
from fixline.dialogs.steps.commands import OPT_IN, OPT_OUT
from tests.bots.twilio_server import incoming_form, signature

SID = "AC" + "1" * 32
CUSTOMER, FIXLINE = "+15551230001", "+15005550006"


def form(body: str = "", **extra: str) -> dict[str, str]:
    return {**incoming_form(SID, CUSTOMER, FIXLINE, body, sid="SM" + "b" * 32), **extra}


def test_an_sms_becomes_one_inbound():
    message = inbound(form("my dishwasher won't drain"))
    assert (message.channel, message.address, message.message_id) == ("sms", CUSTOMER, "SM" + "b" * 32)
    assert message.text == "my dishwasher won't drain"
    assert message.action is None and message.attachments == ()


def test_a_whatsapp_message_keeps_the_bare_number():
    message = inbound(incoming_form(SID, f"whatsapp:{CUSTOMER}", f"whatsapp:{FIXLINE}", "hi"))
    assert (message.channel, message.address) == ("whatsapp", CUSTOMER)


def test_media_become_attachments_fetched_later():
    message = inbound(incoming_form(SID, CUSTOMER, FIXLINE, "", media=(
        ("https://api.twilio.com/m/ME1", "image/jpeg"), ("https://api.twilio.com/m/ME2", "audio/ogg"),
        ("https://api.twilio.com/m/ME3", "application/pdf"), ("https://api.twilio.com/m/ME4", "video/mp4"))))
    assert message.attachments == (
        Attachment("photo", "image/jpeg", None, "https://api.twilio.com/m/ME1", stored=False),
        Attachment("voice", "audio/ogg", None, "https://api.twilio.com/m/ME2"),
        Attachment("document", "application/pdf", None, "https://api.twilio.com/m/ME3"),
        Attachment("document", "video/mp4", None, "https://api.twilio.com/m/ME4"),
    )


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop ", "STOPALL", "unsubscribe", "Cancel",
                                  "END", "quit"])
def test_stop_words_opt_out(body):
    assert inbound(form(body)).action == OPT_OUT


@pytest.mark.parametrize("body", ["START", "unstop", "Start"])
def test_start_words_opt_in(body):
    assert inbound(form(body)).action == OPT_IN


def test_yes_opts_in_only_a_stopped_number():
    assert needs_opt_out_state(form("Yes"))
    assert inbound(form("Yes"), stopped=True).action == OPT_IN
    plain = inbound(form("Yes"), stopped=False)
    assert plain.action is None and plain.text == "Yes"  # an answer, not a keyword


@pytest.mark.parametrize("body", ["HELP", "info", "Help "])
def test_help_words_ask_for_help(body):
    message = inbound(form(body))
    assert message.text == "/help" and message.action is None


@pytest.mark.parametrize("body", ["please stop the noise", "STOP!", "start over"])
def test_keywords_count_only_as_the_whole_message(body):
    message = inbound(form(body))
    assert message.action is None and message.text == body


def test_malformed_forms_are_refused():
    with pytest.raises(MalformedWebhook):
        inbound({"From": CUSTOMER, "Body": "hi"})
    with pytest.raises(MalformedWebhook):
        inbound({"MessageSid": "SM1", "Body": "hi"})
    with pytest.raises(MalformedWebhook):
        inbound(form("hi", NumMedia="lots"))


def test_status_callbacks():
    update = status_update({"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003",
                            "From": FIXLINE, "To": CUSTOMER})
    assert (update.channel, update.message_sid, update.status, update.error) == \
        ("sms", "SM1", "undelivered", "Twilio error 30003")
    update = status_update({"MessageSid": "SM2", "MessageStatus": "read", "From": f"whatsapp:{FIXLINE}"})
    assert (update.channel, update.error) == ("whatsapp", None)
    with pytest.raises(MalformedWebhook):
        status_update({"MessageStatus": "sent"})


def test_signature_is_checked_against_the_public_url():
    checker = WebhookSignature("secret-token", "https://fixline.example/")
    body = form("hi")
    good = signature("secret-token", "https://fixline.example/webhooks/twilio/sms", body)
    assert checker.valid("/webhooks/twilio/sms", "", body, good)
    assert not checker.valid("/webhooks/twilio/sms", "", {**body, "Body": "changed"}, good)
    assert not checker.valid("/webhooks/twilio/whatsapp", "", body, good)
    assert not checker.valid("/webhooks/twilio/sms", "", body, {})
    assert not checker.valid("/webhooks/twilio/sms", "", body,
                             signature("other-token", "https://fixline.example/webhooks/twilio/sms", body))
    with_query = signature("secret-token", "https://fixline.example/webhooks/twilio/sms?a=1", body)
    assert checker.valid("/webhooks/twilio/sms", "a=1", body, with_query)
    # Twilio signs with or without the default port; both are accepted.
    with_port = signature("secret-token", "https://fixline.example:443/webhooks/twilio/sms", body)
    assert checker.valid("/webhooks/twilio/sms", "", body, with_port)


def test_opt_out_words_are_an_sms_rule_only():
    """On WhatsApp "Cancel" is just a word, not an unsubscribe."""
    from fixline.bots.twilio.convert import inbound

    form = {"MessageSid": "SM1", "From": "whatsapp:+447700900123", "Body": "Cancel"}
    assert inbound(form).action is None
    assert inbound({**form, "From": "+447700900123"}).action is not None
