"""The schema changes only by migrations: on both databases, a migrated schema matches
the models exactly (autogenerate finds nothing to do)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fixline.cli.schema import metadata


async def test_models_and_migrations_agree(db):
    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata())

    async with db.connect() as conn:
        assert await conn.run_sync(diff) == []
