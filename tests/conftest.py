"""Fixtures that build real objects in real databases: every database test runs on
SQLite and on PostgreSQL (a fresh database per run; under CI=true PostgreSQL must be up)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.agent.diagnosis import Diagnostician, NoDiagnostician
from fixline.cli.schema import metadata
from fixline.core.db import create_engine
from fixline.core.migrate import upgrade
from fixline.core.settings import Settings
from fixline.dialogs.engine import ConversationEngine

PG_SERVER = os.environ.get("FIXLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_SERVER, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run; dropped at the end."""
    if not _pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable at {PG_SERVER}")
        pytest.skip("PostgreSQL is not reachable")
    name = f"fixline_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_SERVER.rsplit("/", 1)[0]
    url = f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    upgrade(Settings(database_url=url, data_dir=Path("/nonexistent")))
    yield url
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    directory = tmp_path_factory.mktemp("template")
    upgrade(Settings(data_dir=directory))
    return directory / "fixline.db"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, data_dir / "fixline.db")
        return Settings(data_dir=data_dir, secret_key="test-secret")
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return Settings(data_dir=data_dir, database_url=url, secret_key="test-secret")


def _truncate_pg(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in reversed(metadata().sorted_tables))
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
        c.execute(f"TRUNCATE {tables} CASCADE")


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


def make_engine(db: AsyncEngine, diagnostician: Diagnostician | None = None,
                **kwargs: object) -> ConversationEngine:
    return ConversationEngine(db, diagnostician or NoDiagnostician(), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def engine(db: AsyncEngine) -> AsyncIterator[ConversationEngine]:
    conversation = make_engine(db)
    yield conversation
    await conversation.close()


async def count(db: AsyncEngine, sql: str) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


@pytest.fixture(scope="session")
def knowledge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's expert content indexed once per test run (the slow part of seeding:
    about a thousand documents through the embedding model)."""
    from fixline.knowledge.seed import seed_documents
    from fixline.knowledge.store import KnowledgeStore

    directory = tmp_path_factory.mktemp("knowledge")
    seed_documents(KnowledgeStore(Settings(data_dir=directory)))
    return directory


@pytest.fixture(scope="session")
def knowledge_store(knowledge_dir: Path):  # type: ignore[no-untyped-def]
    from fixline.knowledge.store import KnowledgeStore

    return KnowledgeStore(Settings(data_dir=knowledge_dir))


@pytest.fixture(scope="session")
def hybrid_search(knowledge_store):  # type: ignore[no-untyped-def]
    from fixline.knowledge.search import HybridSearch

    return HybridSearch(knowledge_store)


@pytest.fixture
async def offline(db: AsyncEngine, hybrid_search):  # type: ignore[no-untyped-def]
    """The offline diagnostician over the real seed content, its code book in the test's
    database (SQLite or PostgreSQL)."""
    from fixline.agent.offline import OfflineDiagnostician
    from fixline.knowledge.codes import CodeBook
    from fixline.knowledge.seed import seed_codes

    await seed_codes(db, None)
    return OfflineDiagnostician(hybrid_search, CodeBook(db))
