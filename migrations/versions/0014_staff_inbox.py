"""the staff inbox: one item per customer action staff should answer or know

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 09:00:00.000000

inbox_item names the shop, the customer, the contact (SET NULL when the contact goes), what
happened (kind, urgent, a short summary, an amount and a reason), the document it is about
(type, id and its number as it read) and, once handled, when, by whom (SET NULL, with the name
as it read) and how (marked or replied). A partial index on open rows keeps the open count and
the open list per shop cheap.

Invoices get a comment thread like the other documents: comment gains invoice_id, and its
check says exactly one of the four parents is set.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


PARENTS = ('service_request_id', 'estimate_id', 'work_order_id', 'invoice_id')


def _one_parent(columns):
    return ' + '.join(f'(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)'
                      for column in columns) + ' = 1'


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_comment_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_comment_invoice_id_invoice'), 'invoice',
                                    ['invoice_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('ck_comment_one_parent'), type_='check')
        batch_op.create_check_constraint('one_parent', _one_parent(PARENTS))
    op.create_table(
        'inbox_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('document_type', sa.String(length=20), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('document_number', sa.String(length=40), nullable=False),
        sa.Column('summary', sa.String(length=300), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('handled_by_staff_id', sa.Integer(), nullable=True),
        sa.Column('handled_by_label', sa.String(length=300), nullable=True),
        sa.Column('handled_how', sa.String(length=10), nullable=True),
        sa.CheckConstraint(
            "kind IN ('request', 'comment', 'approved', 'partial', 'declined', "
            "'additional_work', 'payment_succeeded', 'payment_failed', 'invitation_accepted')",
            name=op.f('ck_inbox_item_kind_known')),
        sa.CheckConstraint(
            "document_type IN ('service_request', 'estimate', 'work_order', 'invoice', "
            "'customer')",
            name=op.f('ck_inbox_item_document_known')),
        sa.CheckConstraint(
            "(handled_at IS NULL AND handled_how IS NULL) OR "
            "(handled_at IS NOT NULL AND handled_how IN ('marked', 'replied'))",
            name=op.f('ck_inbox_item_handled_how_known')),
        sa.ForeignKeyConstraint(['shop_id'], ['shop.id'],
                                name=op.f('fk_inbox_item_shop_id_shop'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_inbox_item_customer_id_customer'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'],
                                name=op.f('fk_inbox_item_contact_id_contact'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['handled_by_staff_id'], ['staff_user.id'],
                                name=op.f('fk_inbox_item_handled_by_staff_id_staff_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_item')),
    )
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_item_open', ['shop_id', 'created_at'], unique=False,
                              sqlite_where=sa.text('handled_at IS NULL'),
                              postgresql_where=sa.text('handled_at IS NULL'))
        batch_op.create_index('ix_inbox_item_shop_id_handled_at', ['shop_id', 'handled_at'],
                              unique=False)
        batch_op.create_index('ix_inbox_item_document', ['document_type', 'document_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_item_customer_id'), ['customer_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_item_customer_id'))
        batch_op.drop_index('ix_inbox_item_document')
        batch_op.drop_index('ix_inbox_item_shop_id_handled_at')
        batch_op.drop_index('ix_inbox_item_open')
    op.drop_table('inbox_item')
    op.execute('DELETE FROM comment WHERE invoice_id IS NOT NULL')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_comment_one_parent'), type_='check')
        batch_op.create_check_constraint('one_parent', _one_parent(PARENTS[:3]))
        batch_op.drop_constraint(batch_op.f('fk_comment_invoice_id_invoice'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_comment_invoice_id'))
        batch_op.drop_column('invoice_id')
