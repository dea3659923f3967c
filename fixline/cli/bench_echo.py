"""The bare baseline for `fixline bench turns`: FastAPI answering each WebSocket frame
with one message frame, no database. What the framework alone serves on this machine."""

from __future__ import annotations

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


@app.get("/")
async def index() -> dict[str, str]:
    return {"ok": "bare"}


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.websocket("/ws/chat")
async def chat(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_json({"type": "history", "messages": []})
    try:
        while True:
            frame = await ws.receive_json()
            await ws.send_json({"type": "message", "text": str(frame.get("text", "")),
                                "buttons": [], "link": None})
    except WebSocketDisconnect:
        return
