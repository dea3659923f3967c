"""Identities unique on (address, channel), address first

A turn's batch and a history read look up many addresses of one channel at once
(`address = ANY(…) AND channel = …`). With the channel first in the index, PostgreSQL
without statistics on the table (a young database, before autovacuum's first ANALYZE)
took the channel alone as the index condition and compared every identity of the
channel with every address asked for. Address first, the index finds each address.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 18:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.drop_constraint('uq_channel_identities_channel', type_='unique')
        batch_op.create_unique_constraint('uq_channel_identities_address', ['address', 'channel'])


def downgrade() -> None:
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.drop_constraint('uq_channel_identities_address', type_='unique')
        batch_op.create_unique_constraint('uq_channel_identities_channel', ['channel', 'address'])
