"""The composition root: settings, database, engine, dispatcher and senders, wired once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.agent.diagnosis import Diagnostician, NoDiagnostician
from fixline.bots.channels import Channels
from fixline.bots.intake import Intake
from fixline.cli.channels import wire_channels
from fixline.core.db import check_connection, create_engine
from fixline.core.dispatcher import Dispatcher, Handlers
from fixline.core.files import FileStore
from fixline.core.outbox import Event
from fixline.core.settings import Settings, redact_url
from fixline.dialogs.engine import ConversationEngine
from fixline.dialogs.media_worker import Fetchers, FileEraser, MediaWorker
from fixline.dialogs.outbound import REPLY_TOPIC, Senders
from fixline.dialogs.privacy import FORGOTTEN
from fixline.dialogs.steps.media import MEDIA_TOPIC

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
    senders: Senders
    channels: Channels
    fetchers: Fetchers = field(default_factory=Fetchers)

    async def close(self) -> None:
        await self.dispatcher.stop()
        await self.channels.close()
        await self.engine.close()
        await self.db.dispose()


def calibration_path(settings: Settings) -> Path:
    return settings.data_dir / "calibration.json"


def build_diagnostician(settings: Settings, db: AsyncEngine) -> Diagnostician:
    """The offline diagnostician over the seeded knowledge base; until `fixline seed` has
    run there is nothing to diagnose from, and the conversation says so honestly."""
    from fixline.agent.calibration import Calibrator
    from fixline.agent.offline import OfflineDiagnostician
    from fixline.knowledge.codes import CodeBook
    from fixline.knowledge.search import HybridSearch
    from fixline.knowledge.store import KnowledgeStore

    store = KnowledgeStore(settings)
    if store.count() == 0:
        log.warning("the knowledge base is empty: run `fixline seed` to enable diagnosis")
        return NoDiagnostician()
    search, codes = HybridSearch(store), CodeBook(db)
    offline = OfflineDiagnostician(search, codes, calibrator=Calibrator.load(calibration_path(settings)))
    if not (settings.openai_api_key or settings.llm_base_url):
        return offline
    from langchain_openai import ChatOpenAI

    from fixline.agent.llm import LLMDiagnostician

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    model = ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url, api_key=key,
                       timeout=30, max_retries=2, temperature=0)
    return LLMDiagnostician(model, search, codes, offline, model_name=settings.llm_model)


def build(settings: Settings, diagnostician: Diagnostician | None = None, *,
          diagnosis: bool = True) -> Runtime:
    """Everything wired; `diagnosis=False` skips loading the knowledge base (and its model)
    for commands that never diagnose (migrate, worker)."""
    db = create_engine(settings)
    handlers = Handlers()
    dispatcher = Dispatcher(db, handlers)
    engine = ConversationEngine(
        db,
        diagnostician or (build_diagnostician(settings, db) if diagnosis else NoDiagnostician()),
        max_text_chars=settings.max_text_chars,
        max_follow_ups=settings.max_follow_ups,
        messages_per_minute=settings.messages_per_minute,
        on_events=dispatcher.notify,
        subscribed=handlers.subscribed,
    )
    runtime = Runtime(settings, db, engine, dispatcher, handlers, Senders(db), Channels(Intake(engine)))
    wire_channels(runtime.channels, settings, db, runtime.senders, runtime.fetchers)
    handlers.on(REPLY_TOPIC, runtime.senders.deliver)
    handlers.on(MEDIA_TOPIC, LazyMediaWorker(settings, engine, db, runtime.fetchers))
    handlers.on(FORGOTTEN, FileEraser(file_store(settings), db))
    return runtime


def file_store(settings: Settings) -> FileStore:
    return FileStore(settings.data_dir / "files")


class LazyMediaWorker:
    """Loads OCR and speech models at the first photo or voice note, not at start."""

    def __init__(self, settings: Settings, engine: ConversationEngine, db: AsyncEngine,
                 fetchers: Fetchers) -> None:
        self._args = (settings, engine, db, fetchers)
        self._worker: MediaWorker | None = None

    async def __call__(self, event: Event) -> None:
        if self._worker is None:
            from fixline.cli.perceiving import perceiver_for

            settings, engine, db, fetchers = self._args
            self._worker = MediaWorker(engine, perceiver_for(settings), file_store(settings), db,
                                       fetchers)
        await self._worker(event)


async def ensure_database(settings: Settings, db: AsyncEngine | None = None) -> None:
    """One clear line instead of a traceback when the database cannot be reached.
    Checked before anything slow is built (the knowledge base loads a model)."""
    engine = db or create_engine(settings)
    try:
        await check_connection(engine)
    except Exception as exc:
        url = redact_url(settings.resolved_database_url)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(f"Cannot reach the database at {url}: {reason}") from exc
    finally:
        if db is None:
            await engine.dispose()
