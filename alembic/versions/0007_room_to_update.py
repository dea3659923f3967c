"""Room on the page for the tables a turn updates (PostgreSQL)

Conversations, cases and customers are updated on most turns, and none of those updates
changes an indexed column. With full pages PostgreSQL could keep only ~10 % of them on
the same page (HOT); every other update wrote a new entry into each of the table's
indexes. A fill factor of 70 leaves room for the new row version beside the old one.
Existing pages keep their rows; new and rewritten pages get the room. SQLite has no
such setting.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("conversations", "cases", "customers")


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
