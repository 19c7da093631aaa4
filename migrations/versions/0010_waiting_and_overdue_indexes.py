"""indexes for the health checks on waiting estimates and work orders, and for a customer's
overdue invoices

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:50:00.000000

`make bench-scale` (100,000 invoices, 20,000 estimates) found the staff dashboard at 2.2x its
demo time on SQLite: the health check "estimates waiting over 14 days" scanned every sent
estimate (1.8 ms); (shop_id, status, updated_at) makes it a range. On PostgreSQL a customer's
overdue invoices (portal filter, staff list of one customer) were read by walking the shop's
index past other customers' rows (4.9 ms); an index led by shop and customer is a range
(0.05 ms).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_estimate_shop_id_status_updated_at', 'estimate', ['shop_id', 'status', 'updated_at']),
    ('ix_work_order_shop_id_status_updated_at', 'work_order',
     ['shop_id', 'status', 'updated_at']),
    ('ix_invoice_shop_id_customer_id_status_due_on', 'invoice',
     ['shop_id', 'customer_id', 'status', 'due_on', 'id']),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
