"""How uvicorn serves Fixline: `fixline serve`, and the turn bench for both the product and
its bare echo, so the two are measured served the same way.

Per-message deflate is off. Chat frames are a few hundred bytes, where compression saves
little, and it cost about a fifth of the event loop's time per turn (zlib for every frame
sent) plus a compressor's memory for every open connection.

This module imports nothing of the product: the bench's bare echo runs through it too.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

OPTIONS: dict[str, Any] = {
    "log_level": "warning",
    "ws_max_size": 1 << 20,
    "ws_per_message_deflate": False,
}


def run(app: str, *, factory: bool, host: str = "127.0.0.1", port: int = 8000,
        workers: int = 1) -> None:
    uvicorn.run(app, factory=factory, host=host, port=port, workers=workers, **OPTIONS)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve an ASGI app as `fixline serve` does.")
    parser.add_argument("app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--factory", action="store_true")
    args = parser.parse_args()
    run(args.app, factory=args.factory, port=args.port)
