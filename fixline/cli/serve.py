"""The ASGI application as uvicorn builds it (one per server process)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from fixline.cli.runtime import build, ensure_database
from fixline.core.settings import Settings
from fixline.web.app import create_app

log = logging.getLogger(__name__)


def make_app(settings: Settings | None = None) -> FastAPI:
    runtime = build(settings or Settings())

    async def start() -> None:
        await ensure_database(runtime.settings, runtime.db)
        runtime.dispatcher.start()
        await runtime.engine.recover()

    return create_app(
        runtime.settings, runtime.engine, runtime.db, runtime.senders, channels=runtime.channels,
        on_startup=[start], on_shutdown=[runtime.close],
    )
