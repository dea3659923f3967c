"""The Twilio channel as the composition root builds it: one account, an SMS and/or a
WhatsApp sender number, the webhook's checks and conversion, the senders and the fetcher."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.bots.intake import Intake
from fixline.bots.twilio import convert
from fixline.bots.twilio.address import SMS, WHATSAPP
from fixline.bots.twilio.media import TwilioFetcher
from fixline.bots.twilio.rest import TwilioRest
from fixline.bots.twilio.sender import TwilioSender
from fixline.bots.twilio.signature import WebhookSignature
from fixline.dialogs.media_worker import MediaFetcher
from fixline.dialogs.outbound import ChannelSender, opted_out

STATUS_PATH = "/webhooks/twilio/status"


class NotConfigured(LookupError):
    """A message for a channel with no sender number: its replies would have nowhere to go."""


class TwilioChannel:
    def __init__(self, account_sid: str, auth_token: str, *, public_url: str, intake: Intake,
                 db: AsyncEngine, from_sms: str | None, from_whatsapp: str | None,
                 api_url: str | None) -> None:
        self.intake = intake
        self._db = db
        self.signature = WebhookSignature(auth_token, public_url)
        self._rest = TwilioRest(account_sid, auth_token, api_url)
        status_callback = public_url.rstrip("/") + STATUS_PATH
        self._senders: dict[str, ChannelSender] = {
            channel: TwilioSender(self._rest, channel, number, status_callback)
            for channel, number in ((SMS, from_sms), (WHATSAPP, from_whatsapp)) if number
        }
        self._fetcher = TwilioFetcher(account_sid, auth_token, api_url=api_url)
        self.fetcher: MediaFetcher = self._fetcher

    def senders(self) -> dict[str, ChannelSender]:
        return dict(self._senders)

    def verified(self, path: str, query: str, form: Mapping[str, object],
                 headers: Mapping[str, str]) -> bool:
        return self.signature.valid(path, query, form, headers)

    async def take(self, form: Mapping[str, str]) -> bool:
        """Stores an incoming message for processing; False when Twilio sent it before.
        Raises MalformedWebhook or NotConfigured."""
        channel, address = convert.sender_of(form)
        if channel not in self._senders:
            raise NotConfigured(f"no Twilio {channel} number is configured")
        stopped = convert.needs_opt_out_state(form) and await opted_out(self._db, channel, address)
        return await self.intake.take(convert.inbound(form, stopped=stopped))

    async def close(self) -> None:
        await self._rest.close()
        await self._fetcher.close()
