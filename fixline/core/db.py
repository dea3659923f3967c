"""Database engine, sessions and the column types every room shares.

SQLite (the embedded default) and PostgreSQL run the same models and migrations.
On SQLite every transaction starts with BEGIN IMMEDIATE: writers queue on the file lock
instead of failing with SQLITE_BUSY when a read transaction tries to upgrade, and that
same lock is what serialises conversation turns across processes.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    MetaData,
    String,
    any_,
    bindparam,
    event,
    text,
)
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

from fixline.core.settings import Settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Tables updated on most turns (conversations, cases, customers) leave a third of each
# page free on PostgreSQL: an update that changes no indexed column can then stay on its
# page (a HOT update), with no new index entries. With full pages 90 % of the bench's
# conversation updates wrote a new entry into every index of the table.
ROOM_TO_UPDATE = {"fillfactor": 70}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite stores no zone, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


JSONDoc = JSON().with_variant(JSONB(), "postgresql")


def json_text(value: Any) -> str:
    """JSON as every JSON column stores it. Keys that are not strings (an int, a UUID) are
    written as strings, as the json module does; orjson does that only when asked, and
    asking costs half as much again on every document, so only documents that need it
    ask."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns (context, payloads, case facts) are written on every turn; orjson does in
# a few microseconds what the json module does in tens. Both read each other's output.
JSON_CODEC: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": orjson.loads}


def create_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **JSON_CODEC, **kwargs)
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                                 **JSON_CODEC, **kwargs)
    _configure_postgresql(engine)
    return engine


T = TypeVar("T")
_twins: weakref.WeakKeyDictionary[Any, Engine] = weakref.WeakKeyDictionary()


def blocking_twin(engine: AsyncEngine) -> Engine:
    """The synchronous engine on the same database (one per async engine), for work done
    in a worker thread.

    Hot paths run a whole transaction in one thread call: with the async drivers each
    statement is a round trip through the event loop, and under load every one of them
    waits behind hundreds of WebSocket callbacks — on SQLite while holding the write lock
    every other writer needs.
    """
    twin = _twins.get(engine.sync_engine)
    if twin is None:
        twin = _twins[engine.sync_engine] = _new_twin(engine)
    return twin


@contextmanager
def planned_each_time(conn: Connection) -> Iterator[Connection]:
    """PostgreSQL plans the statements run inside for each execution, with the table
    sizes and the array lengths of that moment.

    psycopg prepares a statement on the server once it has run five times, and the
    server then keeps one generic plan for it. For a lookup of many keys in a table that
    is still growing that plan is the one for the table's size back then: planned while
    a young table held a few rows, the identity lookup read the whole table on every
    batch and every history read (9.7 ms at 3,000 identities, against 0.1 ms by index).
    Autovacuum's next ANALYZE would replace the plan, but only a minute or more later,
    and only once the table had grown by a tenth. Planning anew costs ~0.1 ms a time."""
    if conn.dialect.name != "postgresql":  # SQLite plans every statement anew
        yield conn
        return
    raw = conn.connection.dbapi_connection
    threshold = raw.prepare_threshold  # type: ignore[attr-defined]
    raw.prepare_threshold = None  # type: ignore[attr-defined]
    try:
        yield conn
    finally:
        raw.prepare_threshold = threshold  # type: ignore[attr-defined]


async def in_thread(engine: AsyncEngine, work: Callable[[Connection], T], *,
                    readonly: bool = False) -> T:
    """`work` in one transaction, run whole in a worker thread (see `blocking_twin`).
    A write takes this process's SQLite write turn (see `writing`) for just that call.
    A `readonly` call on PostgreSQL runs its statements without BEGIN and COMMIT, each
    on its own snapshot: for a single SELECT (a history read) they were two round trips
    for nothing."""
    twin = blocking_twin(engine)

    def run() -> T:
        with twin.connect() as conn:
            if readonly and conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                return work(conn)
            if readonly:
                conn = conn.execution_options(readonly=True)
            with conn.begin():
                return work(conn)

    if readonly or engine.dialect.name != "sqlite":
        return await asyncio.to_thread(run)
    async with write_lock(engine):
        return await asyncio.to_thread(run)


def _new_twin(engine: AsyncEngine) -> Engine:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        twin = sa_create_engine(url.set(drivername="sqlite+pysqlite"),
                                connect_args={"timeout": 30, "check_same_thread": False},
                                **JSON_CODEC)
        _configure_sqlite(twin)
        return twin
    twin = sa_create_engine(url, pool_size=4, max_overflow=8, pool_pre_ping=True, **JSON_CODEC)
    _configure_postgresql(twin)
    return twin


# What PostgreSQL assumes a random page read costs, against 1 for a sequential one. Its
# default, 4, is a spinning disk's; the tables a turn touches are in memory. With 4, the
# batch updates (a few hundred rows matched by primary key) read the whole table instead
# of the index until it held ~20,000 rows: 1-2 ms a batch, on the path every turn waits
# for. With 1.1, the usual figure for memory and SSDs, the index wins from a few thousand.
RANDOM_PAGE_COST = 1.1


def _configure_postgresql(engine: AsyncEngine | Engine) -> None:
    target = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(target, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET random_page_cost = {RANDOM_PAGE_COST}")
        cursor.close()
        dbapi_connection.commit()


def _configure_sqlite(engine: AsyncEngine | Engine) -> None:
    target = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(target, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(target, "begin")
    def on_begin(connection: Any) -> None:
        # Readers (history, exports, health) take no write lock: WAL lets them run
        # beside the writer.
        if connection.get_execution_options().get("readonly"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def insert_ignoring_duplicates(engine_or_dialect: Any, table: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING in the dialect at hand."""
    name = getattr(engine_or_dialect, "name", None) or engine_or_dialect.dialect.name
    module = postgresql if name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


def upsert(engine_or_dialect: Any, table: Any) -> Any:
    name = getattr(engine_or_dialect, "name", None) or engine_or_dialect.dialect.name
    module = postgresql if name == "postgresql" else sqlite
    return module.insert(table)


_write_locks: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction. On SQLite the writers of one process take turns here first:
    two connections of one process meeting at the file lock would otherwise fall into
    SQLite's busy handler, which sleeps in steps of up to 100 ms however soon the lock
    is free. Other processes still wait on the file lock (busy_timeout)."""
    if engine.dialect.name != "sqlite":
        async with engine.begin() as conn:
            yield conn
        return
    async with write_lock(engine), engine.begin() as conn:
        yield conn


def write_lock(engine: AsyncEngine) -> asyncio.Lock:
    """The in-process turn-taking of SQLite writers (see `writing`)."""
    return _write_locks.setdefault(engine.sync_engine, asyncio.Lock())


def reader(engine: AsyncEngine) -> AsyncEngine:
    """The same database for read-only work: on SQLite it takes no write lock."""
    return engine.execution_options(readonly=True)


async def check_connection(engine: AsyncEngine) -> None:
    async with reader(engine).connect() as conn:
        await conn.execute(text("SELECT 1"))


async def sessions(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session


class OneOf(ColumnElement[bool]):
    """`column IN (…)` over a list bound when the statement runs, as `column = ANY(array)`
    on PostgreSQL. An expanded IN is a new statement text for every length of the list,
    which psycopg parses anew and the server plans anew (a batch's lists vary in length
    all the time); ANY is one text whatever the length, converted and prepared once.
    SQLite has no arrays and keeps the expanded IN."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a predicate already: no `= 1` on SQLite
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("name", InternalTraversal.dp_string)]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name


@compiles(OneOf)
def _one_of(element: OneOf, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw)


@compiles(OneOf, "postgresql")
def _one_of_postgresql(element: OneOf, compiler: Any, **kw: Any) -> str:
    # An array of the column's type without its length: `VARCHAR(128)[]` makes the
    # server check every element's length each time the array is read, which a
    # comparison applied row by row does for every row.
    item = element.column.type
    if isinstance(item, String) and item.length is not None:
        item = String()
    array = bindparam(element.name, type_=postgresql.ARRAY(item))
    return compiler.process(element.column == any_(array), **kw)
