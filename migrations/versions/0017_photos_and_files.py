"""photos and files: one row per stored file, on a request (or its draft), an estimate, a work order or an asset

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:00:00.000000

attachment: the file's document (exactly one of service_request_id, draft_id, estimate_id,
work_order_id, asset_id), the part of it (a comment, an estimate line, a work order line), its
storage keys (file and thumbnail) and sizes; unique per shop by owner and digest, so a double
submit attaches a file once. The stored objects are removed by the app, not by the database.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('service_request_id', sa.Integer(), nullable=True),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('estimate_id', sa.Integer(), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('estimate_line_id', sa.Integer(), nullable=True),
    sa.Column('work_order_line_id', sa.Integer(), nullable=True),
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('thumb_key', sa.String(length=200), nullable=True),
    sa.Column('thumb_width', sa.Integer(), nullable=True),
    sa.Column('thumb_height', sa.Integer(), nullable=True),
    sa.Column('thumb_size', sa.Integer(), nullable=True),
    sa.Column('by_contact_id', sa.Integer(), nullable=True),
    sa.Column('by_staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('image', 'pdf')", name=op.f('ck_attachment_kind_known')),
    sa.CheckConstraint('(CASE WHEN service_request_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN draft_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN estimate_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN work_order_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN asset_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_attachment_one_document')),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_attachment_asset_id_asset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_contact_id'], ['contact.id'], name=op.f('fk_attachment_by_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['by_staff_id'], ['staff_user.id'], name=op.f('fk_attachment_by_staff_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_attachment_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_attachment_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draft_id'], ['service_request_draft.id'], name=op.f('fk_attachment_draft_id_service_request_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['estimate_id'], ['estimate.id'], name=op.f('fk_attachment_estimate_id_estimate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['estimate_line_id'], ['estimate_line.id'], name=op.f('fk_attachment_estimate_line_id_estimate_line'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_request_id'], ['service_request.id'], name=op.f('fk_attachment_service_request_id_service_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_attachment_shop_id_shop'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_attachment_work_order_id_work_order'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_order_line_id'], ['work_order_line.id'], name=op.f('fk_attachment_work_order_line_id_work_order_line'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('shop_id', 'owner', 'digest', name=op.f('uq_attachment_shop_id_owner_digest'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_draft_id'), ['draft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_estimate_id'), ['estimate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_service_request_id'), ['service_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_work_order_id'), ['work_order_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_service_request_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_estimate_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_draft_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_asset_id'))

    op.drop_table('attachment')
