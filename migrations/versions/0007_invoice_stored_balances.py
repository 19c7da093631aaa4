"""invoices store their balances and status; indexes for every status filter and search

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-03 10:12:00.000000

The invoice gets total_cents, paid_cents, processing_cents, amount_due_cents and status, written
from now on by services.invoice_balances.recompute() only. Every existing invoice is filled in
here from its lines and payments with the same rule (checked afterwards by
`flask --app wsgi invoices check`).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None

MONEY = ('total_cents', 'paid_cents', 'processing_cents', 'amount_due_cents')


def upgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        for column in MONEY:
            batch_op.add_column(sa.Column(column, sa.Integer(), server_default='0',
                                          nullable=False))
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='draft',
                                      nullable=False))

    # Backfill from the lines and payments, with the rule of invoice_balances.balances().
    op.execute(
        "UPDATE invoice SET "
        "total_cents = COALESCE((SELECT SUM(invoice_line.quantity * invoice_line.unit_price_cents)"
        " FROM invoice_line WHERE invoice_line.invoice_id = invoice.id), 0), "
        "paid_cents = COALESCE((SELECT SUM(payment.amount_cents - payment.refunded_cents)"
        " FROM payment WHERE payment.invoice_id = invoice.id"
        " AND payment.status = 'succeeded'), 0), "
        "processing_cents = COALESCE((SELECT SUM(payment.amount_cents) FROM payment"
        " WHERE payment.invoice_id = invoice.id AND payment.status = 'processing'), 0)")
    op.execute(
        "UPDATE invoice SET amount_due_cents = "
        "CASE WHEN total_cents > paid_cents THEN total_cents - paid_cents ELSE 0 END")
    op.execute(
        "UPDATE invoice SET status = CASE "
        "WHEN state IN ('draft', 'void') THEN state "
        "WHEN total_cents > 0 AND amount_due_cents = 0 THEN 'paid' "
        "WHEN processing_cents > 0 AND processing_cents >= amount_due_cents THEN 'processing' "
        "ELSE 'unpaid' END")

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_invoice_status_known'),
            "status IN ('draft', 'unpaid', 'processing', 'paid', 'void')")
        batch_op.create_check_constraint(
            op.f('ck_invoice_amount_due_follows'),
            "amount_due_cents = CASE WHEN total_cents > paid_cents "
            "THEN total_cents - paid_cents ELSE 0 END")
        # Status filters read the stored status (and due_on for overdue), dashboards sum
        # amount_due_cents from the same index entries.
        batch_op.drop_index('ix_invoice_shop_id_state_due_on')
        batch_op.drop_index('ix_invoice_customer_id')
        batch_op.create_index('ix_invoice_shop_id_status_id',
                              ['shop_id', 'status', 'id', 'due_on', 'amount_due_cents'],
                              unique=False)
        batch_op.create_index('ix_invoice_customer_id_status_issued_on',
                              ['customer_id', 'status', 'issued_on', 'id', 'due_on',
                               'amount_due_cents'], unique=False)
        batch_op.create_index('ix_invoice_customer_id_id', ['customer_id', 'id'], unique=False)

    # The open invoices per status and due date, for the dashboards (9999-12-31: no due date).
    op.create_table('shop_invoice_total',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('invoices', sa.Integer(), nullable=False),
    sa.Column('amount_due_cents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_shop_invoice_total_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', 'status', 'due_on', name=op.f('pk_shop_invoice_total'))
    )
    op.create_table('customer_invoice_total',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('invoices', sa.Integer(), nullable=False),
    sa.Column('amount_due_cents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_invoice_total_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_customer_invoice_total_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'status', 'due_on', name=op.f('pk_customer_invoice_total'))
    )
    for table, scope in (('shop_invoice_total', 'shop_id'),
                         ('customer_invoice_total', 'customer_id, shop_id')):
        op.execute(
            f"INSERT INTO {table} ({scope}, status, due_on, invoices, amount_due_cents) "
            f"SELECT {scope}, status, COALESCE(due_on, '9999-12-31'), COUNT(*), "
            "SUM(amount_due_cents) FROM invoice WHERE status IN ('unpaid', 'processing') "
            f"GROUP BY {scope}, status, COALESCE(due_on, '9999-12-31')")


def downgrade():
    op.drop_table('customer_invoice_total')
    op.drop_table('shop_invoice_total')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_customer_id_id')
        batch_op.drop_index('ix_invoice_customer_id_status_issued_on')
        batch_op.drop_index('ix_invoice_shop_id_status_id')
        batch_op.create_index(batch_op.f('ix_invoice_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_invoice_shop_id_state_due_on', ['shop_id', 'state', 'due_on'],
                              unique=False)
        batch_op.drop_constraint(op.f('ck_invoice_amount_due_follows'), type_='check')
        batch_op.drop_constraint(op.f('ck_invoice_status_known'), type_='check')
        batch_op.drop_column('status')
        for column in reversed(MONEY):
            batch_op.drop_column(column)
