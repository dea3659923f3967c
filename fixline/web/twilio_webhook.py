"""Twilio's webhooks: incoming SMS and WhatsApp messages, and delivery status callbacks.
Each is signature-checked, stored, and answered at once (Twilio gives up on a slow
endpoint after 15 s and retries); the replies leave later through the outbox."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import FormData
from twilio.twiml.messaging_response import MessagingResponse

from fixline.bots.twilio.channel import NotConfigured, TwilioChannel
from fixline.bots.twilio.convert import MalformedWebhook, status_update
from fixline.dialogs.outbound import update_delivery

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024  # a Twilio form is a few hundred bytes, ten media URLs included


def build_twilio_router(channel: TwilioChannel, db: AsyncEngine) -> APIRouter:
    router = APIRouter(prefix="/webhooks/twilio", tags=["twilio"])

    async def signed_form(request: Request) -> dict[str, str] | Response:
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            return Response(status_code=413)
        form: FormData = await request.form()
        if not channel.verified(request.url.path, request.url.query, form, request.headers):
            log.warning("Twilio webhook %s with a missing or wrong signature refused",
                        request.url.path)
            return Response("invalid signature", status_code=403)
        return {key: value for key, value in form.items() if isinstance(value, str)}

    async def incoming(request: Request) -> Response:
        form = await signed_form(request)
        if isinstance(form, Response):
            return form
        try:
            if not await channel.take(form):
                log.info("Twilio redelivered message %s", form.get("MessageSid"))
        except MalformedWebhook as exc:
            return Response(str(exc), status_code=400)
        except NotConfigured as exc:
            log.warning("Twilio message refused: %s", exc)
            return Response(str(exc), status_code=404)
        return Response(str(MessagingResponse()), media_type="text/xml")

    # Two addresses for the Twilio console's two settings; the sender's number says which
    # channel a message belongs to either way.
    router.add_api_route("/sms", incoming, methods=["POST"], include_in_schema=False)
    router.add_api_route("/whatsapp", incoming, methods=["POST"], include_in_schema=False)

    @router.post("/status", include_in_schema=False)
    async def status(request: Request) -> Response:
        form = await signed_form(request)
        if isinstance(form, Response):
            return form
        try:
            update = status_update(form)
        except MalformedWebhook as exc:
            return Response(str(exc), status_code=400)
        await update_delivery(db, update.channel, update.message_sid, update.status, update.error)
        return Response(status_code=204)

    return router
