"""invoices store their balances and status; open-invoice totals; normalized search keys;
indexes for every status filter and search

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:12:00.000000

The invoice gets total_cents, paid_cents, processing_cents, amount_due_cents and status, written
from now on by services.invoice_balances.recompute() only. Every existing invoice is filled in
here from its lines and payments with the same rule (checked afterwards by
`flask --app wsgi invoices check`). The open-invoice totals (per status and due date, for the
dashboards) are filled in from them.

Search is a prefix match on normalized keys (portal_app/search.py): make_key, model_key,
number_key, name_key and account_number_key are added and filled in with search_key() (spaces
collapsed, case folded); on PostgreSQL the key columns (and asset.unit_number_key, contact.email)
are COLLATE "C", so a prefix is a B-tree range whatever the database's collation.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

MONEY = ('total_cents', 'paid_cents', 'processing_cents', 'amount_due_cents')
# table: [(key column, length, source column, nullable)]
KEYS = {
    'asset': [('make_key', 60, 'make', False), ('model_key', 60, 'model', False)],
    'invoice': [('number_key', 30, 'number', False)],
    'customer': [('name_key', 160, 'name', False), ('account_number_key', 40, 'account_number',
                                                       True)],
    'contact': [('name_key', 120, 'name', False)],
    'estimate': [('number_key', 20, 'number', False)],
    'work_order': [('number_key', 20, 'number', False)],
}
COLLATED = [('asset', 'unit_number_key', 40), ('contact', 'email', 254)]
INDEXES = [
    ('asset', 'ix_asset_shop_id_customer_id_archived_unit_number_key',
     ['shop_id', 'customer_id', 'archived', 'unit_number_key']),
    ('asset', 'ix_asset_customer_id_location_id_archived_unit_number_key',
     ['customer_id', 'location_id', 'archived', 'unit_number_key']),
    ('asset', 'ix_asset_customer_id_archived_make_key', ['customer_id', 'archived', 'make_key']),
    ('asset', 'ix_asset_customer_id_archived_model_key',
     ['customer_id', 'archived', 'model_key']),
    ('payment', 'ix_payment_shop_id_status_updated_at', ['shop_id', 'status', 'updated_at']),
    ('invoice', 'ix_invoice_shop_id_number_key', ['shop_id', 'number_key']),
    ('customer', 'ix_customer_shop_id_name_key', ['shop_id', 'name_key']),
    ('customer', 'ix_customer_shop_id_account_number_key', ['shop_id', 'account_number_key']),
    ('contact', 'ix_contact_shop_id_email', ['shop_id', 'email']),
    ('contact', 'ix_contact_shop_id_name_key', ['shop_id', 'name_key']),
    ('estimate', 'ix_estimate_shop_id_number_key', ['shop_id', 'number_key']),
    ('estimate', 'ix_estimate_customer_id_status_id',
     ['customer_id', 'status', 'id', 'valid_until', 'shop_id']),
    ('work_order', 'ix_work_order_shop_id_number_key', ['shop_id', 'number_key']),
]


def search_key(text):
    """portal_app.models.base.search_key, as of this revision."""
    return " ".join((text or "").split()).casefold()


def _key_type(length, postgresql):
    return sa.String(length, collation='C') if postgresql else sa.String(length)


def add_search_keys():
    connection = op.get_bind()
    postgresql = connection.dialect.name == 'postgresql'
    for table, keys in KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key, length, _, nullable in keys:
                batch_op.add_column(sa.Column(key, _key_type(length, postgresql),
                                              server_default=None if nullable else '',
                                              nullable=nullable))
        sources = ", ".join(source for _, _, source, _ in keys)
        rows = connection.execute(sa.text(f"SELECT id, {sources} FROM {table}")).all()
        if rows:
            sets = ", ".join(f"{key} = :{key}" for key, _, _, _ in keys)
            connection.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), [
                {"id": row[0], **{key: (None if nullable and row[n + 1] is None
                                        else search_key(row[n + 1]))
                                  for n, (key, _, _, nullable) in enumerate(keys)}}
                for row in rows])
    if postgresql:
        for table, column, length in COLLATED:
            op.alter_column(table, column, type_=sa.String(length, collation='C'),
                            existing_type=sa.String(length), existing_nullable=False)
    op.drop_index('ix_asset_customer_id_archived', table_name='asset')
    op.drop_index('ix_payment_shop_id', table_name='payment')
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def drop_search_keys():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.create_index('ix_payment_shop_id', 'payment', ['shop_id'], unique=False)
    op.create_index('ix_asset_customer_id_archived', 'asset', ['customer_id', 'archived'],
                    unique=False)
    if postgresql:
        for table, column, length in COLLATED:
            op.alter_column(table, column, type_=sa.String(length),
                            existing_type=sa.String(length, collation='C'),
                            existing_nullable=False)
    for table, keys in KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key, _, _, _ in reversed(keys):
                batch_op.drop_column(key)


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
        # Status filters read the stored status in the list's order; overdue lists are in
        # due-date order, a range of the due-date indexes.
        batch_op.drop_index('ix_invoice_shop_id_state_due_on')
        batch_op.drop_index('ix_invoice_customer_id')
        batch_op.create_index('ix_invoice_shop_id_status_id', ['shop_id', 'status', 'id'],
                              unique=False)
        batch_op.create_index('ix_invoice_shop_id_status_due_on',
                              ['shop_id', 'status', 'due_on', 'id'], unique=False)
        batch_op.create_index('ix_invoice_customer_id_status_issued_on',
                              ['customer_id', 'status', 'issued_on', 'id'], unique=False)
        batch_op.create_index('ix_invoice_customer_id_status_due_on',
                              ['customer_id', 'status', 'due_on', 'id'], unique=False)
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

    add_search_keys()


def downgrade():
    drop_search_keys()
    op.drop_table('customer_invoice_total')
    op.drop_table('shop_invoice_total')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_customer_id_id')
        batch_op.drop_index('ix_invoice_customer_id_status_due_on')
        batch_op.drop_index('ix_invoice_customer_id_status_issued_on')
        batch_op.drop_index('ix_invoice_shop_id_status_due_on')
        batch_op.drop_index('ix_invoice_shop_id_status_id')
        batch_op.create_index(batch_op.f('ix_invoice_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_invoice_shop_id_state_due_on', ['shop_id', 'state', 'due_on'],
                              unique=False)
        batch_op.drop_constraint(op.f('ck_invoice_amount_due_follows'), type_='check')
        batch_op.drop_constraint(op.f('ck_invoice_status_known'), type_='check')
        batch_op.drop_column('status')
        for column in reversed(MONEY):
            batch_op.drop_column(column)
