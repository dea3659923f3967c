"""The ASGI application as uvicorn builds it (one per server process)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from fastapi import FastAPI

from fixline.cli.runtime import Runtime, build, ensure_database
from fixline.core import heap
from fixline.core.settings import Settings
from fixline.core.tasks import cancel_and_wait
from fixline.web.app import create_app

log = logging.getLogger(__name__)
RECOVER_EVERY = 60.0  # seconds
STALE = timedelta(minutes=1)  # a webhook message this old and unprocessed has lost its task


def make_app(settings: Settings | None = None) -> FastAPI:
    runtime = build(settings or Settings())
    recovery: list[asyncio.Task[None]] = []

    async def start() -> None:
        await ensure_database(runtime.settings, runtime.db)
        runtime.dispatcher.start()
        await runtime.engine.recover()
        recovery.append(asyncio.create_task(_keep_recovering(runtime), name="inbox-recovery"))
        heap.settle()

    async def stop() -> None:
        for task in recovery:
            await cancel_and_wait(task)
        await runtime.close()

    return create_app(
        runtime.settings, runtime.engine, runtime.db, runtime.senders, channels=runtime.channels,
        on_startup=[start], on_shutdown=[stop],
    )


async def _keep_recovering(runtime: Runtime) -> None:
    """Webhook messages are processed by a task of the process that stored them; one that
    failed on a passing database error is taken up again here (claiming is atomic, so two
    processes doing this never process a message twice)."""
    while True:
        await asyncio.sleep(RECOVER_EVERY)
        try:
            await runtime.engine.recover(older_than=STALE)
        except Exception:
            log.exception("inbox recovery round failed; trying again later")
