"""Frames the web chat sends: the JSON `send_json` would write, and no failed send for a
string a UTF-8 frame cannot carry."""

from __future__ import annotations

import json

from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient

from fixline.web.hub import send_frame

FRAMES = [
    {"type": "message", "text": "Grüße 🔧 \"E24\" \\ \n\t\u2028", "buttons": [], "link": None},
    {"type": "message", "text": "half a pair: \ud83d", "buttons": [], "link": None},
]


def test_frames_arrive_as_the_json_they_were():
    app = FastAPI()

    @app.websocket("/ws")
    async def frames(ws: WebSocket) -> None:
        await ws.accept()
        for frame in FRAMES:
            await send_frame(ws, frame)
        await ws.close()

    with TestClient(app).websocket_connect("/ws") as ws:
        first, second = ws.receive_text(), ws.receive_text()
    assert first == json.dumps(FRAMES[0], separators=(",", ":"), ensure_ascii=False)
    assert json.loads(second) == FRAMES[1]
