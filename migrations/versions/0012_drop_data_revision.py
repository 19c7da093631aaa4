"""drop the data revision: the page cache it keyed is gone

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 17:00:00.000000

Every committed write of every shop updated its one row, so writers queued on it (on
PostgreSQL 32 concurrent writers fell to 0.13x of their rate), and the page cache it keyed was
emptied by any write anywhere. Pages are rendered on every view again; no table or row that
every write updates may come back.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('data_revision')


def downgrade():
    table = op.create_table(
        'data_revision',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_revision')),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])
