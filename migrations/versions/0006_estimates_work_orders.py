"""estimates, their versions and approvals; work orders; comments on both

Estimates keep a snapshot of every version sent (estimate_version) so that an approval names
the version the customer saw; approval's unique (estimate_id, version) and (work_order_id,
version) make a second decision of one version impossible. work_order.estimate_id and
work_order.service_request_id are unique: one work order per estimate and per request, also
when two clicks race. comment gains a parent column per document type, with a check that
exactly one is set. Indexes cover every list filter: shop and status (console), customer and
status (portal), and the asset's history.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:45:01.673884

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('estimate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'sent', 'approved', 'partially_approved', 'declined', 'converted')", name=op.f('ck_estimate_status_known')),
    sa.CheckConstraint('version >= 0', name=op.f('ck_estimate_version_not_negative')),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_estimate_asset_id_asset'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_estimate_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_estimate_location_id_location'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_estimate_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_estimate')),
    sa.UniqueConstraint('shop_id', 'number', name=op.f('uq_estimate_shop_id_number')),
    sa.UniqueConstraint('shop_id', 'submission_key', name=op.f('uq_estimate_shop_id_submission_key'))
    )
    with op.batch_alter_table('estimate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_estimate_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index('ix_estimate_customer_id_status', ['customer_id', 'status'], unique=False)
        batch_op.create_index('ix_estimate_shop_id_status', ['shop_id', 'status'], unique=False)

    op.create_table('estimate_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estimate_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('optional', sa.Boolean(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_estimate_line_quantity_positive')),
    sa.CheckConstraint('unit_price_cents >= 0', name=op.f('ck_estimate_line_price_not_negative')),
    sa.ForeignKeyConstraint(['estimate_id'], ['estimate.id'], name=op.f('fk_estimate_line_estimate_id_estimate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_estimate_line'))
    )
    with op.batch_alter_table('estimate_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_estimate_line_estimate_id'), ['estimate_id'], unique=False)

    op.create_table('estimate_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estimate_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['estimate_id'], ['estimate.id'], name=op.f('fk_estimate_version_estimate_id_estimate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['staff_user.id'], name=op.f('fk_estimate_version_sent_by_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_estimate_version')),
    sa.UniqueConstraint('estimate_id', 'version', name=op.f('uq_estimate_version_estimate_id_version'))
    )
    op.create_table('work_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('estimate_id', sa.Integer(), nullable=True),
    sa.Column('service_request_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('approval_round', sa.Integer(), nullable=False),
    sa.Column('approval_note', sa.Text(), nullable=False),
    sa.Column('resume_status', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'in_progress', 'awaiting_approval', 'completed', 'closed')", name=op.f('ck_work_order_status_known')),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_work_order_asset_id_asset'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_work_order_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['estimate_id'], ['estimate.id'], name=op.f('fk_work_order_estimate_id_estimate'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_work_order_location_id_location'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_request_id'], ['service_request.id'], name=op.f('fk_work_order_service_request_id_service_request'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_work_order_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order')),
    sa.UniqueConstraint('estimate_id', name=op.f('uq_work_order_estimate_id')),
    sa.UniqueConstraint('service_request_id', name=op.f('uq_work_order_service_request_id')),
    sa.UniqueConstraint('shop_id', 'number', name=op.f('uq_work_order_shop_id_number'))
    )
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index('ix_work_order_customer_id_status', ['customer_id', 'status'], unique=False)
        batch_op.create_index('ix_work_order_shop_id_status', ['shop_id', 'status'], unique=False)

    op.create_table('approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('estimate_id', sa.Integer(), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('signed_name', sa.String(length=120), nullable=False),
    sa.Column('po_number', sa.String(length=60), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('total_approved_cents', sa.Integer(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('approved', 'partially_approved', 'declined')", name=op.f('ck_approval_decision_known')),
    sa.CheckConstraint('(CASE WHEN estimate_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN work_order_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_approval_one_document')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_approval_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['estimate_id'], ['estimate.id'], name=op.f('fk_approval_estimate_id_estimate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_approval_shop_id_shop'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_approval_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval')),
    sa.UniqueConstraint('estimate_id', 'version', name=op.f('uq_approval_estimate_id_version')),
    sa.UniqueConstraint('work_order_id', 'version', name=op.f('uq_approval_work_order_id_version'))
    )
    op.create_table('work_order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('approval_state', sa.String(length=10), nullable=False),
    sa.Column('approval_round', sa.Integer(), nullable=True),
    sa.CheckConstraint("approval_state IN ('approved', 'pending', 'declined')", name=op.f('ck_work_order_line_approval_state_known')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_work_order_line_quantity_positive')),
    sa.CheckConstraint('unit_price_cents >= 0', name=op.f('ck_work_order_line_price_not_negative')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_work_order_line_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_line'))
    )
    with op.batch_alter_table('work_order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_line_work_order_id'), ['work_order_id'], unique=False)

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimate_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('work_order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_comment_estimate_id'), ['estimate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_work_order_id'), ['work_order_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_comment_shop_id_submission_key'), ['shop_id', 'submission_key'])
        batch_op.create_foreign_key(batch_op.f('fk_comment_work_order_id_work_order'), 'work_order', ['work_order_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_comment_estimate_id_estimate'), 'estimate', ['estimate_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(
            'one_parent',
            "(CASE WHEN service_request_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN estimate_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN work_order_id IS NULL THEN 0 ELSE 1 END) = 1")



def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_comment_one_parent'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_comment_estimate_id_estimate'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_comment_work_order_id_work_order'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_comment_shop_id_submission_key'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_comment_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_comment_estimate_id'))
        batch_op.drop_column('submission_key')
        batch_op.drop_column('work_order_id')
        batch_op.drop_column('estimate_id')

    with op.batch_alter_table('work_order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_line_work_order_id'))

    op.drop_table('work_order_line')
    op.drop_table('approval')
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_index('ix_work_order_shop_id_status')
        batch_op.drop_index('ix_work_order_customer_id_status')
        batch_op.drop_index(batch_op.f('ix_work_order_asset_id'))

    op.drop_table('work_order')
    op.drop_table('estimate_version')
    with op.batch_alter_table('estimate_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_estimate_line_estimate_id'))

    op.drop_table('estimate_line')
    with op.batch_alter_table('estimate', schema=None) as batch_op:
        batch_op.drop_index('ix_estimate_shop_id_status')
        batch_op.drop_index('ix_estimate_customer_id_status')
        batch_op.drop_index(batch_op.f('ix_estimate_asset_id'))

    op.drop_table('estimate')
