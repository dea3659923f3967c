"""Replies out through Twilio's Messages API, one message per rendered body, and Twilio's
errors as the dispatcher understands them: final ones fail the event at once, a rate limit
waits, a server error or a network failure is retried with backoff."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from fixline.bots.twilio.address import on_channel
from fixline.bots.twilio.render import render
from fixline.bots.twilio.rest import TwilioRest
from fixline.core.dispatcher import PermanentFailure, RetryAfter
from fixline.dialogs.messages import Reply
from fixline.dialogs.outbound import RecipientGone

log = logging.getLogger(__name__)

SEND_TIMEOUT = 20.0  # the twilio client sets none of its own
RATE_LIMIT_WAIT = 5.0  # Twilio's 429 names no wait; its queue drains within seconds
UNSUBSCRIBED = 21610
UNREACHABLE = frozenset({21211, 21614, 63024})  # invalid number, not a mobile, not on WhatsApp
TOO_MANY_REQUESTS = 20429
PHONE = re.compile(r"\+?\d[\d ().-]{6,}\d")


class TwilioUnavailable(Exception):
    """A 5xx, a timeout or a broken connection: worth trying again later."""


class TwilioSender:
    def __init__(self, rest: TwilioRest, channel: str, from_number: str, status_callback: str) -> None:
        self._rest = rest
        self._channel = channel
        self._from = on_channel(channel, from_number)
        self._status_callback = status_callback

    def parts(self, reply: Reply) -> list[str]:
        return render(reply, self._channel)

    async def send(self, address: str, reply: Reply) -> Sequence[str]:
        return [await self.send_part(address, body) for body in self.parts(reply)]

    async def send_part(self, address: str, body: str) -> str:
        return await self._create(on_channel(self._channel, address), body)

    async def _create(self, to: str, body: str) -> str:
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                message = await self._rest.client().messages.create_async(
                    to=to, from_=self._from, body=body, status_callback=self._status_callback)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise failure(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TwilioUnavailable(f"Twilio could not be reached: {type(exc).__name__}") from exc
        return str(message.sid)


def failure(exc: TwilioRestException | TwilioServiceException) -> Exception:
    code, status = exc.code, exc.status
    detail = _detail(exc)
    if code == UNSUBSCRIBED:
        return RecipientGone(f"the recipient unsubscribed (Twilio {code})")
    if code in UNREACHABLE:
        return PermanentFailure(f"the recipient cannot be reached (Twilio {code}: {detail})")
    if status == 429 or code == TOO_MANY_REQUESTS:
        return RetryAfter(RATE_LIMIT_WAIT, "Twilio rate limit")
    if 400 <= status < 500:
        level = logging.ERROR if status in {401, 403} else logging.WARNING
        log.log(level, "Twilio refused a message: HTTP %d, code %s: %s", status, code, detail)
        return PermanentFailure(f"Twilio refused the message (HTTP {status}, code {code}: {detail})")
    return TwilioUnavailable(f"Twilio answered HTTP {status} (code {code}: {detail})")


def _detail(exc: TwilioRestException | TwilioServiceException) -> str:
    # Not str(exc): on a terminal the twilio library colours it for humans. Twilio's text
    # often quotes the customer's number; it goes to logs and last_error, so it is masked.
    text = (exc.detail or exc.title) if isinstance(exc, TwilioServiceException) else exc.msg
    return PHONE.sub("[number]", str(text))
