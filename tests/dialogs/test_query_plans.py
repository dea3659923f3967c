"""The statements of a turn and of a history read look rows up by index: a scan would
grow with every conversation ever held, and it did once (a row-value IN on SQLite)."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from fixline.core.db import blocking_twin, create_engine
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
