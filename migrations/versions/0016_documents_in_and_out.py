"""documents in and out: invoice emails attach their PDF, CSV files wait between preview and import

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:00:00.000000

shop.attach_invoice_pdf: invoice emails carry the invoice as a PDF (Settings), on by default;
outbound_email.attach_invoice_id names the invoice whose PDF is rendered when the email is sent.
import_upload: a CSV file an administrator uploaded, kept (decoded) between its preview and
Import, so the import runs on any host.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attach_invoice_pdf', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attach_invoice_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_outbound_email_attach_invoice_id_invoice'), 'invoice',
            ['attach_invoice_id'], ['id'], ondelete='SET NULL')
    op.create_table(
        'import_upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('staff_user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['shop_id'], ['shop.id'],
                                name=op.f('fk_import_upload_shop_id_shop'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'],
                                name=op.f('fk_import_upload_staff_user_id_staff_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_upload')),
    )
    with op.batch_alter_table('import_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_upload_shop_id'), ['shop_id'], unique=False)


def downgrade():
    op.drop_table('import_upload')
    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbound_email_attach_invoice_id_invoice'),
                                 type_='foreignkey')
        batch_op.drop_column('attach_invoice_id')
    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.drop_column('attach_invoice_pdf')
