"""Which channel adapters run: each one whose keys are set, its sender and file fetcher
registered with the engine's outbox handlers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.bots.channels import Channels
from fixline.core.settings import Settings
from fixline.dialogs.media_worker import Fetchers
from fixline.dialogs.outbound import Senders


def wire_channels(channels: Channels, settings: Settings, db: AsyncEngine, senders: Senders,
                  fetchers: Fetchers) -> None:
    if settings.telegram_customer_token:
        from fixline.bots.telegram.channel import CHANNEL, TelegramChannel

        channels.telegram = TelegramChannel(
            settings.telegram_customer_token.get_secret_value(), channels.intake,
            api_url=settings.telegram_api_url, webhook_secret=telegram_webhook_secret(settings))
        senders.register(CHANNEL, channels.telegram.sender)
        fetchers.register(CHANNEL, channels.telegram.fetcher)
    if settings.twilio_account_sid and settings.twilio_auth_token:
        from fixline.bots.twilio.channel import TwilioChannel

        channels.twilio = TwilioChannel(
            settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
            public_url=settings.public_url, intake=channels.intake, db=db,
            from_sms=settings.twilio_from_sms, from_whatsapp=settings.twilio_from_whatsapp,
            api_url=settings.twilio_api_url)
        for channel, sender in channels.twilio.senders().items():
            senders.register(channel, sender)
            fetchers.register(channel, channels.twilio.fetcher)


def telegram_webhook_secret(settings: Settings) -> str:
    """The configured secret, or one derived from the signing key: the webhook is never
    left unchecked. Telegram allows A-Z, a-z, 0-9, _ and - only."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret.get_secret_value()
    import hashlib
    import hmac

    key = settings.resolved_secret_key().encode()
    return hmac.new(key, b"telegram-customer-webhook", hashlib.sha256).hexdigest()
