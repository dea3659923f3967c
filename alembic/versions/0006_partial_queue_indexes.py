"""The inbox and outbox index only the rows still waiting

Recovery looks for unprocessed inbox rows and the dispatcher for undelivered events.
Their indexes covered every row, so each web-chat message (stored already processed) and
each event stored delivered paid an index insert, and the indexes grew with the whole
history. Partial indexes hold just the waiting rows: both SQLite and PostgreSQL use them
for queries whose WHERE says the same.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNPROCESSED = sa.text("processed_at IS NULL")
UNDELIVERED = sa.text("delivered_at IS NULL AND failed_at IS NULL")


def upgrade() -> None:
    op.drop_index('ix_inbox_unprocessed', table_name='inbox')
    op.create_index('ix_inbox_unprocessed', 'inbox', ['received_at'],
                    sqlite_where=UNPROCESSED, postgresql_where=UNPROCESSED)
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.create_index('ix_outbox_due', 'outbox', ['available_at'],
                    sqlite_where=UNDELIVERED, postgresql_where=UNDELIVERED)


def downgrade() -> None:
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.create_index('ix_outbox_due', 'outbox', ['delivered_at', 'failed_at', 'available_at'])
    op.drop_index('ix_inbox_unprocessed', table_name='inbox')
    op.create_index('ix_inbox_unprocessed', 'inbox', ['processed_at', 'received_at'])
