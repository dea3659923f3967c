"""A real `fixline serve` process on a free port, for end-to-end tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import websockets

from fixline.core.settings import Settings

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIXLINE_")}
    env["FIXLINE_DATA_DIR"] = str(settings.data_dir)
    env["FIXLINE_SECRET_KEY"] = "e2e-secret"
    if settings.database_url:
        env["FIXLINE_DATABASE_URL"] = settings.database_url
    return env


@contextmanager
def running_server(settings: Settings, workers: int = 1) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "fixline"), "serve", "--port", str(port), "--workers", str(workers)],
        env=server_env(settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:  # type: ignore[type-arg]
    """Polls a local server's health URL until it answers 200, or fails with its output."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"server at {url} did not start:\n{output}")
        time.sleep(0.1)


def session_cookie(base: str) -> str:
    response = httpx.get(base + "/")
    return f"fixline_session={response.cookies['fixline_session']}"


class ChatSocket:
    """A web chat client speaking the JSON protocol over a real WebSocket."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, base: str, cookie: str) -> tuple[ChatSocket, dict]:
        ws = await websockets.connect(base.replace("http", "ws") + "/ws/chat",
                                      additional_headers={"Cookie": cookie})
        client = cls(ws)
        return client, await client.frame()

    async def frame(self) -> dict:
        return json.loads(await self.ws.recv())

    async def send(self, frame: dict | str) -> None:
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def turn(self, frame: dict) -> list[dict]:
        """Sends one frame and collects the answer: message frames up to the last one
        (the one with buttons, or the first after a short quiet)."""
        await self.send(frame)
        frames: list[dict] = []
        while True:
            try:
                import asyncio

                got = await asyncio.wait_for(self.frame(), timeout=0.5 if frames else 10)
            except TimeoutError:
                return frames
            if got["type"] == "typing":
                continue
            frames.append(got)
            if got["type"] == "error" or got.get("buttons"):
                return frames

    async def close(self) -> None:
        await self.ws.close()
