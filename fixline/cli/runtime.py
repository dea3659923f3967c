"""The composition root: settings, database, engine, dispatcher and senders, wired once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.agent.diagnosis import Diagnostician, NoDiagnostician
from fixline.core.db import check_connection, create_engine
from fixline.core.dispatcher import Dispatcher, Handlers
from fixline.core.settings import Settings, redact_url
from fixline.dialogs.engine import ConversationEngine
from fixline.dialogs.outbound import REPLY_TOPIC, Senders

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    pass


@dataclass
class Runtime:
    settings: Settings
    db: AsyncEngine
    engine: ConversationEngine
    dispatcher: Dispatcher
    handlers: Handlers
    senders: Senders = field(default_factory=Senders)

    async def close(self) -> None:
        await self.dispatcher.stop()
        await self.engine.close()
        await self.db.dispose()


def build_diagnostician(settings: Settings) -> Diagnostician:
    return NoDiagnostician()


def build(settings: Settings, diagnostician: Diagnostician | None = None) -> Runtime:
    db = create_engine(settings)
    handlers = Handlers()
    dispatcher = Dispatcher(db, handlers)
    engine = ConversationEngine(
        db,
        diagnostician or build_diagnostician(settings),
        max_text_chars=settings.max_text_chars,
        max_follow_ups=settings.max_follow_ups,
        on_events=dispatcher.notify,
    )
    runtime = Runtime(settings, db, engine, dispatcher, handlers)
    handlers.on(REPLY_TOPIC, runtime.senders.deliver)
    return runtime


async def ensure_database(runtime: Runtime) -> None:
    """One clear line instead of a traceback when the database cannot be reached."""
    try:
        await check_connection(runtime.db)
    except Exception as exc:
        url = redact_url(runtime.settings.resolved_database_url)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(f"Cannot reach the database at {url}: {reason}") from exc
