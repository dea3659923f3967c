"""The web chat end to end: a real server process, a real WebSocket, both databases."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.server import ChatSocket, running_server, session_cookie

pytestmark = pytest.mark.slow


def texts(frames: list[dict]) -> str:
    return "\n".join(f.get("text", f.get("error", "")) for f in frames)


async def test_conversation_over_the_socket_and_resume_after_reload(settings):
    with running_server(settings) as base:
        cookie = session_cookie(base)
        chat, history = await ChatSocket.open(base, cookie)
        assert history == {"type": "history", "messages": []}
        frames = await chat.turn({"type": "button", "action": "/start", "id": "m0"})
        assert "Is that OK?" in texts(frames)
        assert frames[-1]["buttons"][0] == {"label": "I agree", "action": "consent:yes"}
        frames = await chat.turn({"type": "button", "action": "consent:yes", "label": "I agree"})
        assert any(b["action"] == "equipment:car" for b in frames[-1]["buttons"])
        frames = await chat.turn({"type": "message", "text": "2011 Ford Focus"})
        assert "Got it: 2011 Ford (car or van)" in texts(frames)
        frames = await chat.turn(
            {"type": "message", "text": "check engine light on and it shakes at idle, code P0301"})
        assert "I can't diagnose this yet" in texts(frames)
        await chat.close()

        # A reload: same cookie, new socket, the transcript comes back.
        chat, history = await ChatSocket.open(base, cookie)
        shown = [m["text"] for m in history["messages"]]
        assert shown[0].startswith("Hi, I'm Fixline")
        assert "2011 Ford Focus" in shown and "I agree" in shown
        assert history["messages"][-1]["buttons"] == [{"label": "New case", "action": "/new"}]
        await chat.close()

        # Another browser is another customer.
        chat, history = await ChatSocket.open(base, session_cookie(base))
        assert history["messages"] == []
        await chat.close()


async def test_malformed_frames_get_an_error_and_the_socket_stays_usable(settings):
    with running_server(settings) as base:
        chat, _ = await ChatSocket.open(base, session_cookie(base))
        for bad in ("not json", "[1, 2]", '{"type": "dance"}', '{"type": "message"}',
                    '{"type": "button", "action": 7}', '{"type": "message", "text": "x", "id": 5}'):
            frames = await chat.turn(bad)  # type: ignore[arg-type]
            assert frames[0]["type"] == "error", bad
        await chat.ws.send(b"\x00\xff binary")
        assert (await chat.frame())["type"] == "error"
        frames = await chat.turn({"type": "message", "text": "hello"})
        assert "Is that OK?" in texts(frames)
        await chat.close()


async def test_resent_message_is_processed_once(settings):
    with running_server(settings) as base:
        chat, _ = await ChatSocket.open(base, session_cookie(base))
        first = await chat.turn({"type": "message", "text": "hello", "id": "same"})
        again = await chat.turn({"type": "message", "text": "hello", "id": "same"})
        assert first and again == []
        await chat.close()


async def test_frames_go_uncompressed(settings):
    """The client offers per-message deflate, as browsers do; chat frames are too small
    for it to pay (docs/decisions.md), so the server declines."""
    with running_server(settings) as base:
        chat, history = await ChatSocket.open(base, session_cookie(base))
        assert history["type"] == "history"
        assert "permessage-deflate" in chat.ws.request.headers["Sec-WebSocket-Extensions"]
        assert chat.ws.protocol.extensions == []
        await chat.close()


async def test_health_checks_the_database(settings):
    with running_server(settings) as base:
        assert httpx.get(base + "/healthz").json() == {"status": "ok", "database": "ok"}


async def test_two_server_processes_serve_one_customer_in_order(settings):
    """Two `fixline serve` processes on one database, one customer typing into both."""
    with running_server(settings) as one, running_server(settings) as two:
        cookie = session_cookie(one)
        a, _ = await ChatSocket.open(one, cookie)
        b, _ = await ChatSocket.open(two, cookie)
        await a.turn({"type": "message", "text": "hello"})
        await a.turn({"type": "button", "action": "consent:yes"})

        async def send_many(chat: ChatSocket, tag: str) -> None:
            for i in range(10):
                await chat.send({"type": "message", "text": "/status", "id": f"{tag}{i}"})

        await asyncio.gather(send_many(a, "a"), send_many(b, "b"))
        await asyncio.sleep(1.5)
        await a.close()
        await b.close()
        c, history = await ChatSocket.open(one, cookie)
        directions = [m["direction"] for m in history["messages"]]
        # hello, its greeting, the equipment question (the unlabeled consent press is not
        # shown), then twenty turns, each message followed by its own reply.
        assert directions[:3] == ["in", "out", "out"]
        assert directions[3:] == ["in", "out"] * 20
        await c.close()


async def test_photo_upload_is_answered_on_the_socket(settings):
    from tests.agent.test_perception import display, jpeg

    with running_server(settings) as base:
        cookie = session_cookie(base)
        chat, _ = await ChatSocket.open(base, cookie)
        await chat.turn({"type": "message", "text": "hello"})
        await chat.turn({"type": "button", "action": "consent:yes"})
        await chat.turn({"type": "button", "action": "equipment:dishwasher"})
        async with httpx.AsyncClient(base_url=base, headers={"Cookie": cookie}) as http:
            response = await http.post("/api/chat/files",
                                       files={"file": ("screen.jpg", jpeg(display("E24")), "image/jpeg")})
            assert response.status_code == 200 and response.json()["kind"] == "photo"
            frames = [await asyncio.wait_for(chat.frame(), 20) for _ in range(2)]
            assert frames[0]["text"] == "Thanks, I'm reading your photo…"
            assert frames[1]["text"] == "I can read E24 on the display."

            fake = await http.post("/api/chat/files", files={"file": ("x.jpg", b"plain text", "image/jpeg")})
            assert fake.status_code == 400 and "can't use that kind of file" in fake.json()["error"]
        anonymous = httpx.post(base + "/api/chat/files", files={"file": ("a.jpg", b"x", "image/jpeg")})
        assert anonymous.status_code == 403
        await chat.close()
