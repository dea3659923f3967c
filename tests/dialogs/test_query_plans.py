"""The statements of a turn and of a history read look rows up by index: a scan would
grow with every conversation ever held, and it did once (a row-value IN on SQLite)."""

from __future__ import annotations

import asyncio
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from fixline.core.db import blocking_twin, create_engine, json_text
from fixline.core.dispatcher import Dispatcher, Handlers
from fixline.core.settings import Settings
from fixline.dialogs.messages import Inbound
from tests.conftest import make_engine

TABLES = ("channel_identities", "customers", "conversations", "cases", "messages", "inbox",
          "outbox")
SCAN = re.compile(rf"\bSCAN ({'|'.join(TABLES)})\b")


@pytest.fixture
def sqlite_settings(tmp_path: Path, sqlite_template: Path) -> Settings:
    shutil.copy(sqlite_template, tmp_path / "fixline.db")
    return Settings(data_dir=tmp_path, secret_key="test-secret")


async def test_hot_path_statements_use_indexes(sqlite_settings: Settings) -> None:
    db = create_engine(sqlite_settings)
    engine = make_engine(db)
    dispatcher = Dispatcher(db, Handlers())
    statements: dict[str, Any] = {}

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            statements.setdefault(statement, params[0] if many else params)

    try:
        for n in range(3):  # some rows in every table, so a scan would have something to read
            for text, action in (("", "/start"), ("I agree", "consent:yes"),
                                 ("2015 Bosch dishwasher", None), ("it shows E24", None)):
                await engine.handle(Inbound(channel="web", address=f"warm-{n}", text=text,
                                            message_id=f"warm-{n}-{text}{action}", action=action))
        twin = blocking_twin(db)
        event.listen(twin, "before_cursor_execute", record)
        event.listen(db.sync_engine, "before_cursor_execute", record)
        # Concurrent calls, so that batches of several identities are planned too.
        await asyncio.gather(*(engine.transcript("web", f"warm-{n}") for n in range(3)))
        await asyncio.gather(
            *(engine.handle(Inbound(channel="web", address=f"warm-{n}", text="the pump hums",
                                    message_id=f"hot-{n}")) for n in range(3)),
            engine.handle(Inbound(channel="web", address="someone-new", text="",
                                  action="/start", message_id="hot-new")),
        )
        await dispatcher.drain()
        await engine.recover()  # the partial index of unprocessed messages
        event.remove(twin, "before_cursor_execute", record)
        event.remove(db.sync_engine, "before_cursor_execute", record)
        assert statements
        with twin.connect() as conn:
            for statement, params in statements.items():
                plan = " | ".join(row[3] for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, params))
                assert not SCAN.search(plan), f"{statement}\n  -> {plan}"
    finally:
        await engine.close()
        await db.dispose()


async def test_identity_lookups_find_each_address_by_index_on_a_young_postgresql(db) -> None:
    """Before autovacuum's first ANALYZE PostgreSQL has no statistics on a table. With the
    channel first in the identities' unique index it then took `channel = …` alone as the
    index condition and compared every identity of the channel with every address asked
    for, on each batch of turns and each history read."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite's plans are checked above")
    from fixline.core.customers import Identities
    from fixline.dialogs.pipeline import _conversations_of
    from fixline.dialogs.transcript import _last_messages

    async with db.begin() as conn:
        await conn.execute(text(
            "INSERT INTO customers (id, created_at) "
            "SELECT md5('c' || i)::uuid, now() FROM generate_series(1, 20000) i"))
        await conn.execute(text(
            "INSERT INTO channel_identities (id, customer_id, channel, address, created_at) "
            "SELECT md5('i' || i)::uuid, md5('c' || i)::uuid, 'web', 'session-' || i, now() "
            "FROM generate_series(1, 20000) i"))
        await conn.execute(text(  # as on a young database: no statistics yet
            "DELETE FROM pg_statistic WHERE starelid = 'channel_identities'::regclass"))
    identities = Identities(("web", f"session-{i}") for i in range(1, 40, 2))
    async with db.connect() as conn:
        for statement in (_conversations_of(identities.channels, False),
                          _last_messages(identities.channels)):
            compiled = statement.compile(dialect=conn.dialect)
            plan = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled),
                                               {**identities.params, "limit": 200})).scalar_one()
            scans = [node for node in _nodes(plan[0]["Plan"])
                     if node.get("Relation Name") == "channel_identities"]
            assert scans, plan
            for node in scans:
                found_by = node.get("Index Cond") or node.get("Recheck Cond") or ""
                assert "address" in found_by, node
                assert "address" not in node.get("Filter", ""), node


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", ()) for n in _nodes(child))]


async def test_identity_lookups_are_planned_for_each_execution_on_postgresql(db) -> None:
    """A plan the server kept from the table's first rows would read the whole table once
    it has grown (`planned_each_time`); the writes may keep theirs."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite plans every statement anew")
    engine = make_engine(db)
    try:
        for n in range(8):  # more runs than psycopg waits for before it prepares one
            await engine.handle(Inbound(channel="web", address=f"plan-{n}", text="",
                                        action="/start", message_id=f"plan-{n}"))
            await engine.transcript("web", f"plan-{n}")
        twin = blocking_twin(db)
        idle = [twin.connect() for _ in range(twin.pool.checkedin())]
        try:
            kept = [s for conn in idle for s in conn.exec_driver_sql(
                "SELECT statement FROM pg_prepared_statements").scalars()]
        finally:
            for conn in idle:
                conn.close()
    finally:
        await engine.close()
    assert any(s.startswith("INSERT INTO messages") for s in kept), kept  # prepared ones are seen
    assert not [s for s in kept if s.startswith("SELECT") and "channel_identities" in s]


async def test_batch_updates_find_each_row_by_key_while_the_table_grows_on_postgresql(db) -> None:
    """A turn's batch updates its conversations in one UPDATE joined to the batch's rows.
    Planned once while the table was young and kept, or costed for a spinning disk, that
    join read the whole table on every batch until it held ~20,000 rows."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite plans every statement anew")
    from fixline.dialogs.pipeline import _UPDATE_CONVERSATION

    def conversations(first: int, last: int) -> str:
        return ("INSERT INTO customers (id, created_at) "
                f"SELECT md5('c' || i)::uuid, now() FROM generate_series({first}, {last}) i; "
                "INSERT INTO conversations (id, customer_id, state, context, version, updated_at) "
                "SELECT md5('v' || i)::uuid, md5('c' || i)::uuid, 'start', '{}', 0, now() "
                f"FROM generate_series({first}, {last}) i")

    def batch(conn: Any) -> list[dict[str, Any]]:
        ids = conn.exec_driver_sql("SELECT id, version FROM conversations LIMIT 50").all()
        return [{"id": i, "seen": v, "version": v + 1, "state": "symptoms", "context": {},
                 "case_id": None, "updated_at": datetime.now(UTC)} for i, v in ids]

    twin = blocking_twin(db)
    with twin.begin() as conn:
        for statement in conversations(1, 50).split("; "):
            conn.exec_driver_sql(statement)
    for _ in range(8):  # more runs than psycopg waits for before it prepares a statement
        with twin.begin() as conn:
            assert _UPDATE_CONVERSATION.execute(conn, batch(conn)) == 50
    with twin.begin() as conn:
        for statement in conversations(51, 10_000).split("; "):
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(  # as on a young database: no statistics yet
            "DELETE FROM pg_statistic WHERE starelid = 'conversations'::regclass")
    idle = [twin.connect() for _ in range(twin.pool.checkedin())]
    try:
        kept = [s for c in idle for s in c.exec_driver_sql(
            "SELECT statement FROM pg_prepared_statements").scalars()]
        assert not [s for s in kept if s.startswith("UPDATE")], kept
        conn = idle[0]
        sql = _UPDATE_CONVERSATION._recordset(conn.dialect).sql
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql,
                                    {"rows": json_text(batch(conn))}).scalar_one()
    finally:
        for c in idle:
            c.close()
    scans = [node for node in _nodes(plan[0]["Plan"]) if node.get("Relation Name") == "conversations"
             and node["Node Type"] != "ModifyTable"]
    assert scans, plan
    assert all(node["Node Type"] == "Index Scan" for node in scans), plan
