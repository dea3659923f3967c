"""Telegram updates as the one Inbound the conversation engine takes."""

from __future__ import annotations

from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from fixline.dialogs.messages import Attachment, Inbound
from fixline.dialogs.steps.commands import CONTACT, OPT_IN, OPT_OUT

CHANNEL = "telegram"


# Inbox keys come from the content, not the update_id: Telegram restarts update ids at
# random after a week without updates, and a new key must never look like a redelivery.
def message_inbound(message: Message) -> Inbound:
    """Text, commands, photos, voice notes, audio, documents, contacts; an edited message
    is taken as a new one (it is the customer's correction)."""
    text = message.text or message.caption or ""
    action = CONTACT if message.contact is not None else None
    key = f"m:{message.chat.id}:{message.message_id}"
    if message.edit_date:
        key += f":e{message.edit_date}"
    return Inbound(
        channel=CHANNEL, address=str(message.chat.id), message_id=key, text=text,
        action=action, attachments=_attachments(message), locale=_locale(message),
    )


def _attachments(message: Message) -> tuple[Attachment, ...]:
    if message.photo:
        best = message.photo[-1]  # the sizes come smallest first
        return (Attachment("photo", "image/jpeg", best.file_size, best.file_id),)
    for kind, media in (("voice", message.voice), ("voice", message.audio),
                        ("voice", message.video_note), ("document", message.document)):
        if media is not None:
            mime = getattr(media, "mime_type", None)
            if kind == "document" and mime and mime.startswith("image/"):
                kind = "photo"
            return (Attachment(kind, mime, media.file_size, media.file_id),)
    return ()


def _locale(message: Message) -> str | None:
    return message.from_user.language_code if message.from_user else None


def callback_inbound(callback: CallbackQuery) -> Inbound | None:
    """A button press; the label shown in the transcript is read from the message's
    keyboard. None when the pressed message is too old to have a chat."""
    if callback.message is None or callback.data is None:
        return None
    label = ""
    markup = getattr(callback.message, "reply_markup", None)
    for row in (markup.inline_keyboard if markup else []):
        for button in row:
            if button.callback_data == callback.data:
                label = button.text
    return Inbound(channel=CHANNEL, address=str(callback.message.chat.id),
                   message_id=f"c:{callback.id}", text=label, action=callback.data,
                   locale=callback.from_user.language_code)


def membership_inbound(update: ChatMemberUpdated) -> Inbound | None:
    """The customer blocked the bot (stop sending) or came back (send again)."""
    if update.chat.type != "private":
        return None
    old, new = update.old_chat_member.status, update.new_chat_member.status
    if new == "kicked":
        action = OPT_OUT
    elif old == "kicked" and new == "member":
        action = OPT_IN
    else:
        return None  # a first start: the customer's /start message follows
    key = f"k:{update.chat.id}:{int(update.date.timestamp())}:{update.new_chat_member.status}"
    return Inbound(channel=CHANNEL, address=str(update.chat.id), message_id=key, action=action)
