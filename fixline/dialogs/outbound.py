"""Replies that leave outside a request: each channel registers a sender at start, and
the outbox event conversation.reply is delivered through it (with the dispatcher's
retries and backoff)."""

from __future__ import annotations

import logging
from typing import Protocol

from fixline.core.outbox import Event
from fixline.dialogs.messages import Button, Reply

log = logging.getLogger(__name__)

REPLY_TOPIC = "conversation.reply"


class ChannelSender(Protocol):
    async def send(self, address: str, reply: Reply) -> None: ...


class NoSender(LookupError):
    pass


def reply_event(channel: str, address: str, reply: Reply) -> Event:
    return Event(REPLY_TOPIC, {"channel": channel, "address": address, "reply": reply.to_dict()})


def reply_from_dict(data: dict[str, object]) -> Reply:
    buttons = tuple(Button(b["label"], b["action"]) for b in data.get("buttons", ()))  # type: ignore[attr-defined, index]
    return Reply(text=str(data["text"]), buttons=buttons, link=data.get("link"))  # type: ignore[arg-type]


class Senders:
    def __init__(self) -> None:
        self._by_channel: dict[str, ChannelSender] = {}

    def register(self, channel: str, sender: ChannelSender) -> None:
        self._by_channel[channel] = sender

    async def deliver(self, event: Event) -> None:
        """Outbox handler for conversation.reply."""
        channel = str(event.payload["channel"])
        sender = self._by_channel.get(channel)
        if sender is None:
            raise NoSender(f"no sender registered for channel {channel!r}")
        await sender.send(str(event.payload["address"]), reply_from_dict(event.payload["reply"]))
