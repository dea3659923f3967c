"""conversations.turns becomes conversations.version

The turn pipeline keeps recently used conversations in memory and checks, when it writes
one, that nobody else has written it since (another process, a /link, /forget). The
counter it checks is bumped by every writer, so it no longer counts only turns.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:05:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain rename on both databases (SQLite has had RENAME COLUMN since 3.25).
    op.execute("ALTER TABLE conversations RENAME COLUMN turns TO version")


def downgrade() -> None:
    op.execute("ALTER TABLE conversations RENAME COLUMN version TO turns")
