"""The FastAPI application: web chat, health, and (later) webhooks and the admin panel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine

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

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        try:
            await check_connection(db)
        except Exception:
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    return app
