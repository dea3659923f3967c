"""The web chat: the page, and the WebSocket speaking the protocol of docs/web-chat.md."""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.core.customers import ChannelIdentity
from fixline.core.db import reader
from fixline.dialogs.engine import ConversationEngine
from fixline.dialogs.messages import Inbound
from fixline.dialogs.models import Message
from fixline.web.hub import Hub, reply_frame

log = logging.getLogger(__name__)

CHANNEL = "web"
HISTORY_LIMIT = 200
MAX_FRAME_CHARS = 200_000  # a 100 kB message still fits; the engine truncates it politely
STATIC = Path(__file__).parent / "static"


def session_id(scope_session: dict[str, Any]) -> str:
    sid = scope_session.get("sid")
    if not isinstance(sid, str):
        sid = secrets.token_urlsafe(18)
        scope_session["sid"] = sid
    return sid


def build_router(engine: ConversationEngine, db: AsyncEngine, hub: Hub) -> APIRouter:
    router = APIRouter()
    page = (STATIC / "index.html").read_text()

    @router.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        session_id(request.session)
        return HTMLResponse(page)

    @router.websocket("/ws/chat")
    async def chat(ws: WebSocket) -> None:
        sid = session_id(ws.session)
        await ws.accept()
        hub.join(sid, ws)
        try:
            await ws.send_json({"type": "history", "messages": await history(db, sid)})
            while True:
                raw = await ws.receive()
                if raw["type"] == "websocket.disconnect":
                    return
                frame, error = parse_frame(raw)
                if error:
                    await ws.send_json({"type": "error", "error": error})
                    continue
                await ws.send_json({"type": "typing"})
                inbound = Inbound(
                    channel=CHANNEL, address=sid,
                    message_id=frame.get("id") or str(uuid.uuid4()),
                    text=frame.get("text", ""), action=frame.get("action"),
                )
                for reply in await engine.handle(inbound):
                    await ws.send_json(reply_frame(reply))
        except WebSocketDisconnect:
            return
        finally:
            hub.leave(sid, ws)

    return router


def parse_frame(raw: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Validates one client frame; returns it, or the polite error to send back."""
    if raw.get("text") is None:
        return {}, "Send JSON text frames, for example {\"type\": \"message\", \"text\": \"hi\"}."
    text = raw["text"]
    if len(text) > MAX_FRAME_CHARS:
        return {}, "That message is too large to send in one go."
    try:
        frame = json.loads(text)
    except ValueError:
        return {}, "That frame was not valid JSON."
    if not isinstance(frame, dict):
        return {}, "A frame must be a JSON object."
    kind = frame.get("type")
    message_id = frame.get("id")
    if message_id is not None and (not isinstance(message_id, str) or not 0 < len(message_id) <= 100):
        return {}, "The message id must be a short string."
    if kind == "message":
        if not isinstance(frame.get("text"), str):
            return {}, "A message frame needs a text string."
        return {"text": frame["text"], "id": message_id}, None
    if kind == "button":
        action = frame.get("action")
        if not isinstance(action, str) or not 0 < len(action) <= 200:
            return {}, "A button frame needs an action string."
        label = frame.get("label")
        label = label[:200] if isinstance(label, str) else ""
        return {"action": action, "text": label, "id": message_id}, None
    return {}, f"Unknown frame type {kind!r}: use \"message\" or \"button\"."


async def history(db: AsyncEngine, sid: str) -> list[dict[str, Any]]:
    async with reader(db).connect() as conn:
        rows = (await conn.execute(
            select(Message.direction, Message.text, Message.payload, Message.channel,
                   Message.created_at)
            .join(ChannelIdentity, ChannelIdentity.customer_id == Message.customer_id)
            .where(ChannelIdentity.channel == CHANNEL, ChannelIdentity.address == sid)
            .order_by(Message.id.desc())
            .limit(HISTORY_LIMIT)
        )).all()
    messages = []
    for r in reversed(rows):
        if r.direction == "in" and not r.text:
            continue  # a button pressed by the page itself, such as the opening /start
        payload = r.payload or {}
        messages.append({
            "direction": r.direction, "text": r.text, "channel": r.channel,
            "buttons": payload.get("buttons", []) if r.direction == "out" else [],
            "link": payload.get("link"), "at": r.created_at.isoformat(),
        })
    return messages
