"""The schema changes only by migrations: on both databases, a migrated schema matches
the models exactly (autogenerate finds nothing to do)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from fixline.cli.schema import metadata


async def test_models_and_migrations_agree(db):
    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata())

    async with db.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_tables_every_turn_updates_leave_room_on_postgresql_pages(db):
    """Without the room, most conversation updates write a new entry into every index."""
    if db.dialect.name != "postgresql":
        pytest.skip("a fill factor is a PostgreSQL setting; SQLite has none")
    async with db.connect() as conn:
        options = dict((await conn.execute(text(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(:names)"),
            {"names": ["conversations", "cases", "customers"]})).all())
    assert options == {name: ["fillfactor=70"] for name in ("conversations", "cases", "customers")}


async def test_queue_indexes_hold_only_the_waiting_rows(db):
    """Web-chat messages are stored processed and most events delivered: a full index
    would take an entry for each of them and grow with the whole history."""
    if db.dialect.name == "postgresql":
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:names)"
        params = {"names": ["ix_inbox_unprocessed", "ix_outbox_due"]}
    else:
        sql = ("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
               "AND name IN ('ix_inbox_unprocessed', 'ix_outbox_due')")
        params = {}
    async with db.connect() as conn:
        definitions = dict((await conn.execute(text(sql), params)).all())
    inbox, due = definitions["ix_inbox_unprocessed"], definitions["ix_outbox_due"]
    assert "WHERE" in inbox and "processed_at IS NULL" in inbox
    assert "WHERE" in due and "delivered_at IS NULL" in due and "failed_at IS NULL" in due
