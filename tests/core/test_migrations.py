"""The schema changes only by migrations: on both databases, a migrated schema matches
the models exactly (autogenerate finds nothing to do)."""

from __future__ import annotations

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
        return
    async with db.connect() as conn:
        options = dict((await conn.execute(text(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(:names)"),
            {"names": ["conversations", "cases", "customers"]})).all())
    assert options == {name: ["fillfactor=70"] for name in ("conversations", "cases", "customers")}
