"""assets with unit numbers, service requests, their drafts and comments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 19:03:36.807435

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('unit_number', sa.String(length=40), nullable=False),
    sa.Column('unit_number_key', sa.String(length=40), nullable=False),
    sa.Column('vin_serial', sa.String(length=40), nullable=False),
    sa.Column('make', sa.String(length=60), nullable=False),
    sa.Column('model', sa.String(length=60), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_asset_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_asset_location_id_location'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_asset_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset')),
    sa.UniqueConstraint('customer_id', 'unit_number_key', name=op.f('uq_asset_customer_id_unit_number_key'))
    )
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.create_index('ix_asset_customer_id_archived', ['customer_id', 'archived'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_shop_id'), ['shop_id'], unique=False)

    op.create_table('service_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('asset_description', sa.String(length=200), nullable=False),
    sa.Column('desired_date', sa.Date(), nullable=True),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=True),
    sa.Column('work_order_reference', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('submitted', 'scheduled', 'converted', 'closed')", name=op.f('ck_service_request_status_known')),
    sa.CheckConstraint("urgency IN ('routine', 'soon', 'urgent')", name=op.f('ck_service_request_urgency_known')),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_service_request_asset_id_asset'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_service_request_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_service_request_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_service_request_location_id_location'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_service_request_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_request'))
    )
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_request_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index('ix_service_request_customer_id_created_at', ['customer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_service_request_shop_id_status', ['shop_id', 'status'], unique=False)

    op.create_table('service_request_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('asset_not_listed', sa.Boolean(), nullable=False),
    sa.Column('asset_description', sa.Text(), nullable=False),
    sa.Column('desired_date', sa.Date(), nullable=True),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_service_request_draft_asset_id_asset'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_service_request_draft_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_service_request_draft_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_service_request_draft_location_id_location'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_service_request_draft_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_request_draft')),
    sa.UniqueConstraint('contact_id', 'customer_id', name=op.f('uq_service_request_draft_contact_id_customer_id'))
    )
    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('service_request_id', sa.Integer(), nullable=True),
    sa.Column('author_contact_id', sa.Integer(), nullable=True),
    sa.Column('author_staff_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_contact_id'], ['contact.id'], name=op.f('fk_comment_author_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_staff_id'], ['staff_user.id'], name=op.f('fk_comment_author_staff_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_request_id'], ['service_request.id'], name=op.f('fk_comment_service_request_id_service_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_comment_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_service_request_id'), ['service_request_id'], unique=False)



def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_service_request_id'))

    op.drop_table('comment')
    op.drop_table('service_request_draft')
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_index('ix_service_request_shop_id_status')
        batch_op.drop_index('ix_service_request_customer_id_created_at')
        batch_op.drop_index(batch_op.f('ix_service_request_asset_id'))

    op.drop_table('service_request')
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_shop_id'))
        batch_op.drop_index(batch_op.f('ix_asset_location_id'))
        batch_op.drop_index('ix_asset_customer_id_archived')

    op.drop_table('asset')
