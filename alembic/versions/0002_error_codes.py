"""error codes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 08:30:30.177666
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('error_codes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('brand', sa.String(length=32), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('meaning', sa.Text(), nullable=False),
    sa.Column('causes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('safety', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('canonical', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_error_codes')),
    sa.UniqueConstraint('code', 'brand', 'family', name=op.f('uq_error_codes_code'))
    )
    with op.batch_alter_table('error_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_error_codes_code'), ['code'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('error_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_error_codes_code'))

    op.drop_table('error_codes')

