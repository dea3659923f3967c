"""Twilio's addresses: a phone number in E.164 for SMS, the same with a "whatsapp:" prefix
for WhatsApp. Our identities keep the bare number, the channel says which of the two."""

from __future__ import annotations

SMS, WHATSAPP = "sms", "whatsapp"
CHANNELS = (SMS, WHATSAPP)
WHATSAPP_PREFIX = "whatsapp:"


def channel_of(number: str) -> str:
    return WHATSAPP if number.startswith(WHATSAPP_PREFIX) else SMS


def bare(number: str) -> str:
    """The E.164 number: whatsapp:+14155550100 -> +14155550100."""
    return number.removeprefix(WHATSAPP_PREFIX).strip()


def on_channel(channel: str, number: str) -> str:
    """The number as Twilio wants it in To and From for this channel."""
    return WHATSAPP_PREFIX + bare(number) if channel == WHATSAPP else bare(number)
