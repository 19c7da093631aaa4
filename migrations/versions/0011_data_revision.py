"""the data revision: one counter every committed write moves, the key of the page cache

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 19:40:00.000000

portal_app/page_cache.py keeps rendered pages per worker under the revision the database was at
when they were read; the engine hook in that module bumps the row in every transaction that
wrote, so a cached page is never served after a change.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_revision',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_revision')),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('data_revision')
