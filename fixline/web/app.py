"""The FastAPI application: web chat, channel webhooks, health (and later the admin panel)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.bots.channels import Channels
from fixline.core.db import check_connection
from fixline.core.files import FileStore
from fixline.core.settings import Settings
from fixline.dialogs.engine import ConversationEngine
from fixline.dialogs.outbound import Senders
from fixline.web.chat import CHANNEL, STATIC, build_router
from fixline.web.hub import Hub
from fixline.web.session import SessionCookie

Hook = Callable[[], Awaitable[None]]


def create_app(
    settings: Settings,
    engine: ConversationEngine,
    db: AsyncEngine,
    senders: Senders,
    *,
    channels: Channels | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
) -> FastAPI:
    hub = Hub()
    senders.register(CHANNEL, hub)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook()
        yield
        for hook in on_shutdown:
            await hook()

    app = FastAPI(title="Fixline", lifespan=lifespan, docs_url=None, redoc_url=None)
    sessions = SessionCookie(settings.resolved_secret_key(),
                             secure=settings.public_url.startswith("https://"))
    app.state.hub = hub
    app.include_router(build_router(engine, hub, sessions, FileStore(settings.data_dir / "files")))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if channels is not None and channels.telegram is not None:
        from fixline.web.telegram_webhook import build_telegram_router

        app.include_router(build_telegram_router(channels.telegram))
    if channels is not None and channels.twilio is not None:
        from fixline.web.twilio_webhook import build_twilio_router

        app.include_router(build_twilio_router(channels.twilio, db))

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        try:
            await check_connection(db)
        except Exception:
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    return app
