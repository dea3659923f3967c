"""The one inbound and the one outbound message type that cross the channel edge."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from fixline.core.clock import utcnow
from fixline.dialogs.text import storable

# How the channels are named to a customer ("carries on your conversation from Telegram").
CHANNEL_NAMES = {"telegram": "Telegram", "sms": "SMS", "whatsapp": "WhatsApp", "web": "the web chat",
                 "terminal": "the terminal"}


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # photo | voice | audio | document
    mime: str | None = None
    size: int | None = None
    # The handle for the bytes: a sha256 in our file store when `stored`, otherwise the
    # channel's own (a Telegram file id, a Twilio media URL), fetched in the background.
    ref: str | None = None
    stored: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "mime": self.mime, "size": self.size, "ref": self.ref,
                "stored": self.stored}


@dataclass(frozen=True, slots=True)
class Inbound:
    channel: str
    address: str
    message_id: str
    text: str = ""
    action: str | None = None
    attachments: tuple[Attachment, ...] = ()
    locale: str | None = None
    received_at: datetime = field(default_factory=utcnow)
    # Set only on internal messages the engine sends itself (a finished diagnosis).
    data: dict[str, Any] | None = None

    def storable(self) -> Inbound:
        """The same message with every string made safe for any database (itself when
        they all are already: it is immutable)."""
        text, address, message_id = storable(self.text), storable(self.address), storable(self.message_id)
        action = storable(self.action) if self.action is not None else None
        if (text is self.text and address is self.address and message_id is self.message_id
                and action is self.action):
            return self
        return replace(self, text=text, address=address, message_id=message_id, action=action)

    @property
    def internal(self) -> bool:
        """Sent by the engine to itself (a finished diagnosis), not by the customer."""
        return (self.action or "").startswith("system:")

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "address": self.address,
            "message_id": self.message_id,
            "text": self.text,
            "action": self.action,
            "attachments": [a.to_dict() for a in self.attachments],
            "locale": self.locale,
            "received_at": self.received_at.isoformat(),
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Inbound:
        return cls(
            channel=d["channel"],
            address=d["address"],
            message_id=d["message_id"],
            text=d.get("text") or "",
            action=d.get("action"),
            attachments=tuple(
                Attachment(a["kind"], a.get("mime"), a.get("size"), a.get("ref"),
                           bool(a.get("stored")))
                for a in d.get("attachments") or ()
            ),
            locale=d.get("locale"),
            received_at=datetime.fromisoformat(d["received_at"]),
            data=d.get("data"),
        )


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str


@dataclass(frozen=True, slots=True)
class ReplyFile:
    filename: str
    mime: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    link: str | None = None
    file: ReplyFile | None = None

    def to_dict(self) -> dict[str, Any]:
        """The form a reply takes in the transcript (the file itself is not kept)."""
        d: dict[str, Any] = {"text": self.text}
        if self.buttons:
            d["buttons"] = [{"label": b.label, "action": b.action} for b in self.buttons]
        if self.link:
            d["link"] = self.link
        if self.file:
            d["file"] = {"filename": self.file.filename, "mime": self.file.mime}
        return d
