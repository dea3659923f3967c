"""channels: deliveries, link codes, opt-outs

What leaving through a channel needs: a record of every provider send (status callbacks
update it), one-time /link codes, and the opt-out mark (SMS STOP, a blocked bot).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:16:49.003919
"""

from collections.abc import Sequence

import sqlalchemy as sa

import fixline.core.db
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=128), nullable=False),
    sa.Column('provider_message_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', fixline.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', fixline.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('event_id', 'part', name=op.f('uq_deliveries_event_id'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_provider', ['channel', 'provider_message_id'], unique=False)

    op.create_table('link_codes',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('created_at', fixline.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', fixline.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', fixline.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_link_codes_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_link_codes'))
    )
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_codes_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opted_out_at', fixline.core.db.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.drop_column('opted_out_at')

    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_codes_customer_id'))

    op.drop_table('link_codes')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_provider')

    op.drop_table('deliveries')
