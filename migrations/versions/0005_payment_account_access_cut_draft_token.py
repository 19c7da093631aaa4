"""payments remember their Stripe account; contacts remember when access was cut; a draft
becomes one request

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:39:43.719343

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_cut_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_account_id', sa.String(length=64), nullable=True))
    # Payments made through Stripe so far were made on the shop's account of the day.
    op.execute(
        "UPDATE payment SET stripe_account_id = (SELECT payment_settings.stripe_account_id "
        "FROM payment_settings WHERE payment_settings.shop_id = payment.shop_id) "
        "WHERE stripe_checkout_session_id IS NOT NULL")

    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_token', sa.String(length=43), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_service_request_draft_token'),
                                          ['draft_token'])

    with op.batch_alter_table('service_request_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=43), nullable=True))
    connection = op.get_bind()
    drafts = sa.table('service_request_draft', sa.column('id', sa.Integer),
                      sa.column('token', sa.String))
    for (draft_id,) in connection.execute(sa.select(drafts.c.id)).all():
        connection.execute(drafts.update().where(drafts.c.id == draft_id)
                           .values(token=secrets.token_urlsafe(24)))
    with op.batch_alter_table('service_request_draft', schema=None) as batch_op:
        batch_op.alter_column('token', existing_type=sa.String(length=43), nullable=False)


def downgrade():
    with op.batch_alter_table('service_request_draft', schema=None) as batch_op:
        batch_op.drop_column('token')

    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_service_request_draft_token'), type_='unique')
        batch_op.drop_column('draft_token')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_column('stripe_account_id')

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('access_cut_at')
