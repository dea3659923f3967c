"""The web chat: the page, and the WebSocket speaking the protocol of docs/web-chat.md."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, JSONResponse

from fixline.core.files import FileRejected, FileStore
from fixline.core.ids import new_id
from fixline.dialogs.engine import ConversationEngine
from fixline.dialogs.messages import Attachment, Inbound, Reply
from fixline.web.hub import Hub, reply_frame, send_frame
from fixline.web.session import SessionCookie

log = logging.getLogger(__name__)

CHANNEL = "web"
HISTORY_LIMIT = 200
MAX_FRAME_CHARS = 200_000  # a 100 kB message still fits; the engine truncates it politely
STATIC = Path(__file__).parent / "static"
TYPING_AFTER = 0.3  # seconds
MAX_UPLOAD = 25 * 2**20


def build_router(engine: ConversationEngine, hub: Hub, sessions: SessionCookie,
                 files: FileStore) -> APIRouter:
    router = APIRouter()
    page = (STATIC / "index.html").read_text()

    @router.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        response = HTMLResponse(page)
        if sessions.read(request.cookies) is None:
            sessions.issue(response)
        return response

    @router.websocket("/ws/chat")
    async def chat(ws: WebSocket) -> None:
        # Without the page's cookie the socket still works, for this connection only.
        sid = sessions.read(ws.cookies) or secrets.token_urlsafe(18)
        await ws.accept()
        hub.join(sid, ws)
        try:
            shown = await engine.transcript(CHANNEL, sid, HISTORY_LIMIT)
            await send_frame(ws, {"type": "history", "messages": shown})
            while True:
                raw = await ws.receive()
                if raw["type"] == "websocket.disconnect":
                    return
                frame, error = parse_frame(raw)
                if error:
                    await send_frame(ws, {"type": "error", "error": error})
                    continue
                inbound = Inbound(
                    channel=CHANNEL, address=sid,
                    message_id=frame.get("id") or new_id().hex,
                    text=frame.get("text", ""), action=frame.get("action"),
                )
                for reply in await answer(ws, engine, inbound):
                    await send_frame(ws, reply_frame(reply))
        except WebSocketDisconnect:
            return
        finally:
            hub.leave(sid, ws)

    @router.post("/api/chat/files")
    async def upload(request: Request, file: UploadFile, message_id: str | None = Form(None)) -> JSONResponse:
        """A photo or voice note for this session's conversation. It is stored now and read
        in the background; the answer arrives on the chat socket."""
        sid = sessions.read(request.cookies)
        if sid is None:
            return JSONResponse({"error": "Open the chat page first."}, status_code=403)
        data = await file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            return JSONResponse({"error": "That file is too large (the limit is 25 MB)."}, status_code=413)
        try:
            stored = await asyncio.to_thread(files.put, data)
        except FileRejected as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        inbound = Inbound(
            channel=CHANNEL, address=sid, message_id=(message_id or new_id().hex)[:100],
            text="", attachments=(
                Attachment(stored.kind, stored.mime, stored.size, stored.sha256, stored=True),),
        )
        replies = await engine.handle(inbound)
        for reply in replies:
            await hub.send(sid, reply)
        return JSONResponse({"kind": stored.kind, "size": stored.size})

    return router


async def answer(ws: WebSocket, engine: ConversationEngine, inbound: Inbound) -> list[Reply]:
    """The engine's replies; "typing" is shown only when they take long enough to notice
    (a diagnosis), not flashed before every quick answer."""
    typing = asyncio.get_running_loop().call_later(
        TYPING_AFTER, lambda: asyncio.ensure_future(send_frame(ws, {"type": "typing"})))
    try:
        return await engine.handle(inbound)
    finally:
        typing.cancel()


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
