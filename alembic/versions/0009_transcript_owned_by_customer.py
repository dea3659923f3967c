"""Transcript rows checked against their customer only

Every turn writes two or three transcript rows, and PostgreSQL checked three foreign keys
for each (customer, conversation, case) and kept an index on the conversation: about
21 us of the database server's CPU a row, 9-10 us of it for the conversation's and the
case's key and the conversation index. None of them guards anything the customer's key
does not: a conversation is its customer's one conversation, and no code deletes a
conversation or a case with messages still pointing at it (erasure deletes the
transcript first, a /link merge moves it first, cases are never deleted). What reads the
transcript reads it by customer. The customer's key stays, with its cascade: a customer
cannot go while a line of their transcript remains.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 22:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_conversation')
        batch_op.drop_constraint('fk_messages_conversation_id_conversations', type_='foreignkey')
        batch_op.drop_constraint('fk_messages_case_id_cases', type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_messages_case_id_cases', 'cases', ['case_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key('fk_messages_conversation_id_conversations', 'conversations',
                                    ['conversation_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_messages_conversation', ['conversation_id', 'id'], unique=False)
