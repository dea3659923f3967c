"""Twilio's webhook forms as the one Inbound the conversation engine takes, and its status
callbacks as delivery updates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fixline.bots.twilio.address import SMS, WHATSAPP, WHATSAPP_PREFIX, bare, channel_of
from fixline.dialogs.messages import Attachment, Inbound
from fixline.dialogs.steps.commands import OPT_IN, OPT_OUT

MAX_MEDIA = 10  # Twilio sends at most ten media per message

# Twilio's own opt-out handling stops and restarts SMS on these words (whole body, any
# case); we follow it so our records agree with what the carrier will deliver.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
# "YES" restarts a stopped number too, but from anyone else it is an answer ("yes, I agree").
RESTART_IF_STOPPED = frozenset({"YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})


class MalformedWebhook(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    channel: str
    message_sid: str
    status: str
    error: str | None


def sender_of(form: Mapping[str, str]) -> tuple[str, str]:
    """(channel, address) of the person who wrote."""
    sender = form.get("From", "")
    if not bare(sender):
        raise MalformedWebhook("the form has no From")
    return channel_of(sender), bare(sender)


def needs_opt_out_state(form: Mapping[str, str]) -> bool:
    """Whether the meaning of this message depends on the sender having stopped messages."""
    return form.get("Body", "").strip().upper() in RESTART_IF_STOPPED


def inbound(form: Mapping[str, str], *, stopped: bool = False) -> Inbound:
    """An incoming SMS, MMS or WhatsApp message; `stopped` says the sender had opted out."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if not sid:
        raise MalformedWebhook("the form has no MessageSid")
    channel, address = sender_of(form)
    body = form.get("Body", "")
    word = body.strip().upper()
    action = None
    if channel != SMS:
        pass  # the keywords are an SMS carrier rule: on WhatsApp "cancel" is just a word
    elif word in STOP_WORDS:
        action = OPT_OUT
    elif word in START_WORDS or (stopped and word in RESTART_IF_STOPPED):
        action = OPT_IN
    elif word in HELP_WORDS:
        body = "/help"
    return Inbound(channel=channel, address=address, message_id=sid, text=body, action=action,
                   attachments=attachments(form))


def attachments(form: Mapping[str, str]) -> tuple[Attachment, ...]:
    try:
        count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        raise MalformedWebhook("NumMedia is not a number") from None
    found = []
    for n in range(count):
        url = form.get(f"MediaUrl{n}")
        if not url:
            continue
        mime = form.get(f"MediaContentType{n}") or None
        found.append(Attachment(kind_of(mime), mime, None, url))
    return tuple(found)


def kind_of(mime: str | None) -> str:
    major = (mime or "").split("/", 1)[0].lower()
    return {"image": "photo", "audio": "voice"}.get(major, "document")


def status_update(form: Mapping[str, str]) -> StatusUpdate:
    """A status callback: queued, sent, delivered, undelivered, failed (WhatsApp: read)."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = form.get("MessageStatus") or form.get("SmsStatus")
    if not sid or not status:
        raise MalformedWebhook("the status callback has no MessageSid or MessageStatus")
    whatsapp = any(form.get(k, "").startswith(WHATSAPP_PREFIX) for k in ("From", "To"))
    code = form.get("ErrorCode")
    error = f"Twilio error {code}" if code else None
    if code and form.get("ErrorMessage"):
        error += f": {form['ErrorMessage']}"
    return StatusUpdate(WHATSAPP if whatsapp else SMS, sid, status.lower(), error)
