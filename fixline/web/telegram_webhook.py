"""POST /webhooks/telegram/customer: the secret token checked, the update stored in the
durable inbox, then 200 (processing continues in the background)."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from fixline.bots.telegram.channel import WEBHOOK_PATH, TelegramChannel

log = logging.getLogger(__name__)


def build_telegram_router(channel: TelegramChannel) -> APIRouter:
    router = APIRouter()

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_customer(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), channel.webhook_secret.encode()):
            log.warning("telegram webhook with a wrong secret token from %s", request.client)
            return Response(status_code=403)
        try:
            payload = await request.json()
            await channel.feed(payload)
        except (ValueError, ValidationError) as exc:
            # Not an update Telegram would send: answering 400 only makes it retry.
            log.warning("unreadable telegram update: %s", str(exc)[:200])
        return Response(status_code=200)

    return router
