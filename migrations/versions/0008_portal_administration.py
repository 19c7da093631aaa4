"""portal administration: shop settings (time zone, support contact, logo), staff invitations,
the audit log and current login lockouts

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 10:06:13.092049

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_lockout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_lockout'))
    )
    with op.batch_alter_table('login_lockout', schema=None) as batch_op:
        batch_op.create_index('uq_login_lockout_kind_email', ['kind', 'email'], unique=True)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('actor_staff_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_staff_id'], ['staff_user.id'], name=op.f('fk_audit_entry_actor_staff_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_audit_entry_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_shop_id_created_at', ['shop_id', 'created_at'], unique=False)

    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False,
                                      server_default='America/New_York'))
        batch_op.add_column(sa.Column('support_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('support_phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('logo_hash', sa.String(length=16), nullable=True))

    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.alter_column('timezone', existing_type=sa.String(length=64),
                              server_default=None)

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_token_staff_user_id'), ['staff_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_token_staff_user_id_staff_user'), 'staff_user', ['staff_user_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(op.f('ck_token_kind_known'), type_='check')
        batch_op.create_check_constraint(
            'kind_known', "kind IN ('invitation', 'password_reset', 'staff_invitation')")



def downgrade():
    op.execute("DELETE FROM token WHERE kind = 'staff_invitation'")
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_token_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', "kind IN ('invitation', 'password_reset')")
        batch_op.drop_constraint(batch_op.f('fk_token_staff_user_id_staff_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_token_staff_user_id'))
        batch_op.drop_column('staff_user_id')

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('invited_at')

    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.drop_column('logo_hash')
        batch_op.drop_column('logo_type')
        batch_op.drop_column('logo')
        batch_op.drop_column('support_phone')
        batch_op.drop_column('support_email')
        batch_op.drop_column('timezone')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_shop_id_created_at')

    op.drop_table('audit_entry')
    with op.batch_alter_table('login_lockout', schema=None) as batch_op:
        batch_op.drop_index('uq_login_lockout_kind_email')

    op.drop_table('login_lockout')
