"""the customer's account page: login sessions as rows, and what each person wants emailed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:00:00.000000

login_session is one row per browser that logged in to the portal: the login, its user agent
(trimmed to 255 characters) and IP address, when it began, when it was last seen (written at
login and at most every 15 minutes after) and when it ended (logged out, ended from the account
page, or by a password change). The session cookie carries the row's id.

portal_user gets the person's notification choices, all on: new invoices (and payment
receipts), estimates and additional work waiting, replies from the shop, request updates.
Sessions that began before this revision carry no row: they end, and the person logs in again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

CHOICES = ('notify_invoices', 'notify_estimates', 'notify_replies', 'notify_requests')


def upgrade():
    op.create_table(
        'login_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('portal_user_id', sa.Integer(), nullable=False),
        sa.Column('user_agent', sa.String(length=255), nullable=False),
        sa.Column('ip_address', sa.String(length=45), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['portal_user_id'], ['portal_user.id'],
                                name=op.f('fk_login_session_portal_user_id_portal_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index('ix_login_session_portal_user_id_ended_at',
                              ['portal_user_id', 'ended_at'], unique=False)
    with op.batch_alter_table('portal_user', schema=None) as batch_op:
        for column in CHOICES:
            batch_op.add_column(sa.Column(column, sa.Boolean(), nullable=False,
                                          server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('portal_user', schema=None) as batch_op:
        for column in reversed(CHOICES):
            batch_op.drop_column(column)
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index('ix_login_session_portal_user_id_ended_at')
    op.drop_table('login_session')
