"""money as shops bill it: 64-bit cents, decimal quantities, line kinds, discounts, sales tax,
addresses on documents, an invoice per work order

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00.000000

- Every money column becomes 64-bit (PostgreSQL's integer is 32-bit: 1000 x 25,000.00 did not
  fit); SQLite's INTEGER is 64-bit already.
- A line's quantity is kept in hundredths (quantity_x100: 1.5 hours = 150) and every existing
  quantity is multiplied by 100. Lines gain kind (labour, parts, fee; existing lines are parts),
  discount_x100 (percent in hundredths), taxable and amount_cents (quantity x unit price less the
  discount, rounded half up: existing lines had whole quantities and no discount, so their
  amount is quantity x unit price). The JSON lines of sent estimate versions and of approvals get
  the same keys, so every snapshot reads alike.
- Documents store the tax they charge (name, rate in thousandths of a percent, exemption); the
  invoice stores its tax in cents next to its total (existing documents had no tax: 0). The shop
  gets its address, billing email, remit-to, payment terms and tax settings; customers a billing
  address and a tax exemption. An invoice may name the work order it bills (once), its location
  and PO numbers.
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

MONEY = [('estimate_line', 'unit_price_cents'), ('invoice_line', 'unit_price_cents'),
         ('work_order_line', 'unit_price_cents'), ('payment', 'amount_cents'),
         ('payment', 'refunded_cents'), ('invoice', 'total_cents'), ('invoice', 'paid_cents'),
         ('invoice', 'processing_cents'), ('invoice', 'amount_due_cents'),
         ('approval', 'total_approved_cents'), ('shop_invoice_total', 'amount_due_cents'),
         ('customer_invoice_total', 'amount_due_cents')]
LINES = ('estimate_line', 'invoice_line', 'work_order_line')
TAXED = ('estimate', 'work_order', 'invoice')


def _tax_columns():
    return [sa.Column('tax_name', sa.String(length=40), server_default='', nullable=False),
            sa.Column('tax_rate_x1000', sa.BigInteger(), nullable=True),
            sa.Column('tax_exempt', sa.Boolean(), server_default=sa.false(), nullable=False),
            sa.Column('tax_exempt_number', sa.String(length=60), server_default='',
                      nullable=False)]


def _priced(line):
    """A JSON line of this revision: kind, discount, taxable and amount added."""
    quantity = line.get('quantity', 1)
    return {**line, 'kind': line.get('kind', 'parts'), 'quantity': str(quantity),
            'discount': line.get('discount', '0'), 'taxable': bool(line.get('taxable', False)),
            'amount_cents': line.get('amount_cents',
                                     int(quantity) * int(line.get('unit_price_cents', 0)))}


def _rewrite_json_lines(table):
    connection = op.get_bind()
    rows = connection.execute(sa.text(f'SELECT id, lines FROM {table}')).all()
    for row_id, lines in rows:
        if isinstance(lines, str):
            lines = json.loads(lines)
        connection.execute(sa.text(f'UPDATE {table} SET lines = :lines WHERE id = :id'),
                           {'lines': json.dumps([_priced(line) for line in lines or []]),
                            'id': row_id})


def upgrade():
    tables = {}
    for table, column in MONEY:
        tables.setdefault(table, []).append(column)
    for table, columns in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, type_=sa.BigInteger(), existing_type=sa.Integer(),
                                      existing_nullable=False)
    for table in LINES:
        # RENAME COLUMN keeps the CHECK (quantity > 0) on both databases (SQLite >= 3.25).
        op.execute(f'ALTER TABLE {table} RENAME COLUMN quantity TO quantity_x100')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('quantity_x100', type_=sa.BigInteger(),
                                  existing_type=sa.Integer(), existing_nullable=False)
            batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='parts',
                                          nullable=False))
            batch_op.add_column(sa.Column('discount_x100', sa.BigInteger(), server_default='0',
                                          nullable=False))
            batch_op.add_column(sa.Column('taxable', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
            batch_op.add_column(sa.Column('amount_cents', sa.BigInteger(), server_default='0',
                                          nullable=False))
        op.execute(f'UPDATE {table} SET quantity_x100 = quantity_x100 * 100, '
                   f'amount_cents = quantity_x100 * unit_price_cents')
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == 'invoice_line':
                batch_op.create_check_constraint('price_not_negative', 'unit_price_cents >= 0')
            batch_op.create_check_constraint('discount_percent',
                                             'discount_x100 >= 0 AND discount_x100 <= 10000')
            batch_op.create_check_constraint('kind_known', "kind IN ('labour', 'parts', 'fee')")
    _rewrite_json_lines('estimate_version')
    _rewrite_json_lines('approval')
    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_cents', sa.BigInteger(), server_default='0',
                                      nullable=False))
    for table in TAXED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _tax_columns():
                batch_op.add_column(column)
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_cents', sa.BigInteger(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('location_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('work_order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('po_number', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invoice_location_id_location'), 'location',
                                    ['location_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_invoice_work_order_id_work_order'),
                                    'work_order', ['work_order_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_unique_constraint(batch_op.f('uq_invoice_work_order_id'),
                                          ['work_order_id'])
    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('billing_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('remit_to', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('payment_terms_days', sa.Integer(), server_default='30',
                                      nullable=False))
        batch_op.add_column(sa.Column('tax_name', sa.String(length=40),
                                      server_default='Sales tax', nullable=False))
        batch_op.add_column(sa.Column('tax_rate_x1000', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('labour_taxable', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('parts_taxable', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.add_column(sa.Column('fee_taxable', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.create_check_constraint(
            'tax_rate_percent',
            'tax_rate_x1000 IS NULL OR (tax_rate_x1000 >= 0 AND tax_rate_x1000 <= 100000)')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('billing_address', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('tax_exempt', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('tax_exempt_number', sa.String(length=60),
                                      server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        for column in ('tax_exempt_number', 'tax_exempt', 'billing_address'):
            batch_op.drop_column(column)
    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_shop_tax_rate_percent'), type_='check')
        for column in ('fee_taxable', 'parts_taxable', 'labour_taxable', 'tax_rate_x1000',
                       'tax_name', 'payment_terms_days', 'remit_to', 'billing_email',
                       'address'):
            batch_op.drop_column(column)
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_invoice_work_order_id'), type_='unique')
        batch_op.drop_constraint(op.f('fk_invoice_work_order_id_work_order'),
                                 type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_invoice_location_id_location'), type_='foreignkey')
        for column in ('po_number', 'work_order_id', 'location_id', 'tax_cents'):
            batch_op.drop_column(column)
    for table in TAXED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ('tax_exempt_number', 'tax_exempt', 'tax_rate_x1000', 'tax_name'):
                batch_op.drop_column(column)
    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.drop_column('tax_cents')
    for table in LINES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_kind_known'), type_='check')
            batch_op.drop_constraint(op.f(f'ck_{table}_discount_percent'), type_='check')
            if table == 'invoice_line':
                batch_op.drop_constraint(op.f('ck_invoice_line_price_not_negative'),
                                         type_='check')
            for column in ('amount_cents', 'taxable', 'discount_x100', 'kind'):
                batch_op.drop_column(column)
        # Quantities with decimals are rounded up to a whole one.
        op.execute(f'UPDATE {table} SET quantity_x100 = (quantity_x100 + 99) / 100')
        op.execute(f'ALTER TABLE {table} RENAME COLUMN quantity_x100 TO quantity')
