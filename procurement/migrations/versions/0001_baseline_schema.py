"""Baseline: the schema as the store made it before Alembic (commit c29b328), tables and indexes.

Written out here rather than taken from ``db_schema.metadata`` so that it stays what it was when the
schema changes later. A database made before Alembic holds these tables already (perhaps of an even
older shape): ``procurement.store.legacy`` brings it to exactly this schema and the store stamps it at
this revision instead of running it.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('account_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('username', sa.String(length=128), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('agreements',
    sa.Column('hospital_id', sa.Text(), nullable=False),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('agreed_volume', sa.Double(), nullable=True),
    sa.Column('agreement_year', sa.Double(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False)
    )
    op.create_index('ix_agreements_product_id', 'agreements', ['product_id'], unique=False)
    op.create_index('ux_agreements_natural_key', 'agreements', ['hospital_id', 'product_id', 'agreement_year'], unique=True)

    op.create_table('app_secrets',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('demand',
    sa.Column('hospital_id', sa.Text(), nullable=False),
    sa.Column('generic_name', sa.Text(), nullable=False),
    sa.Column('specification', sa.Text(), nullable=False),
    sa.Column('declared_volume', sa.Double(), nullable=True),
    sa.Column('current_supplier', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('accepted_by', sa.Text(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True)
    )
    op.create_index('ix_demand_generic_name_specification', 'demand', ['generic_name', 'specification'], unique=False)
    op.create_index('ux_demand_natural_key', 'demand', ['hospital_id', 'generic_name', 'specification'], unique=True)

    op.create_table('fund_transfers',
    sa.Column('transfer_id', sa.Text(), nullable=False),
    sa.Column('hospital_id', sa.Text(), nullable=False),
    sa.Column('batch', sa.Text(), nullable=True),
    sa.Column('kind', sa.Text(), nullable=True),
    sa.Column('amount', sa.Double(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False)
    )
    op.create_index('ux_fund_transfers_natural_key', 'fund_transfers', ['hospital_id', 'transfer_id'], unique=True)

    op.create_table('history_agreements',
    sa.Column('hospital_id', sa.Text(), nullable=True),
    sa.Column('product_id', sa.Text(), nullable=True),
    sa.Column('agreed_volume', sa.Double(), nullable=True),
    sa.Column('agreement_year', sa.Double(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_agreements_superseded_by', 'history_agreements', ['superseded_by'], unique=False)

    op.create_table('history_demand',
    sa.Column('hospital_id', sa.Text(), nullable=True),
    sa.Column('generic_name', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('declared_volume', sa.Double(), nullable=True),
    sa.Column('current_supplier', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_demand_superseded_by', 'history_demand', ['superseded_by'], unique=False)

    op.create_table('history_fund_transfers',
    sa.Column('transfer_id', sa.Text(), nullable=True),
    sa.Column('hospital_id', sa.Text(), nullable=True),
    sa.Column('batch', sa.Text(), nullable=True),
    sa.Column('kind', sa.Text(), nullable=True),
    sa.Column('amount', sa.Double(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_fund_transfers_superseded_by', 'history_fund_transfers', ['superseded_by'], unique=False)

    op.create_table('history_hospitals',
    sa.Column('hospital_id', sa.Text(), nullable=True),
    sa.Column('hospital_name', sa.Text(), nullable=True),
    sa.Column('region', sa.Text(), nullable=True),
    sa.Column('level', sa.Text(), nullable=True),
    sa.Column('other_ids', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_hospitals_superseded_by', 'history_hospitals', ['superseded_by'], unique=False)

    op.create_table('history_offers',
    sa.Column('generic_name', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('unit_price', sa.Double(), nullable=True),
    sa.Column('capacity', sa.Double(), nullable=True),
    sa.Column('regions', sa.Text(), nullable=True),
    sa.Column('min_share', sa.Double(), nullable=True),
    sa.Column('agreed_ratio', sa.Double(), nullable=True),
    sa.Column('backup', sa.Boolean(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_offers_superseded_by', 'history_offers', ['superseded_by'], unique=False)

    op.create_table('history_payments',
    sa.Column('payment_id', sa.Text(), nullable=True),
    sa.Column('order_id', sa.Text(), nullable=True),
    sa.Column('hospital_id', sa.Text(), nullable=True),
    sa.Column('product_id', sa.Text(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('amount', sa.Double(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('invoice_id', sa.Text(), nullable=True),
    sa.Column('distributor', sa.Text(), nullable=True),
    sa.Column('payer', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_payments_superseded_by', 'history_payments', ['superseded_by'], unique=False)

    op.create_table('history_products',
    sa.Column('product_id', sa.Text(), nullable=True),
    sa.Column('batch', sa.Text(), nullable=True),
    sa.Column('generic_name', sa.Text(), nullable=True),
    sa.Column('dosage_form', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('pack_size', sa.Double(), nullable=True),
    sa.Column('unit', sa.Text(), nullable=True),
    sa.Column('pack_unit', sa.Text(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('unit_price', sa.Double(), nullable=True),
    sa.Column('baseline_price', sa.Double(), nullable=True),
    sa.Column('agreement_start', sa.Date(), nullable=True),
    sa.Column('agreement_end', sa.Date(), nullable=True),
    sa.Column('other_codes', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_products_superseded_by', 'history_products', ['superseded_by'], unique=False)

    op.create_table('history_purchases',
    sa.Column('order_id', sa.Text(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('hospital_id', sa.Text(), nullable=True),
    sa.Column('product_id', sa.Text(), nullable=True),
    sa.Column('generic_name', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('quantity', sa.Double(), nullable=True),
    sa.Column('amount', sa.Double(), nullable=True),
    sa.Column('winning', sa.Boolean(), nullable=True),
    sa.Column('ordered_quantity', sa.Double(), nullable=True),
    sa.Column('order_date', sa.Date(), nullable=True),
    sa.Column('distributor', sa.Text(), nullable=True),
    sa.Column('invoice_id', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_purchases_superseded_by', 'history_purchases', ['superseded_by'], unique=False)

    op.create_table('history_shortages',
    sa.Column('shortage_id', sa.Text(), nullable=True),
    sa.Column('hospital_id', sa.Text(), nullable=True),
    sa.Column('product_id', sa.Text(), nullable=True),
    sa.Column('generic_name', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('distributor', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('orders', sa.Double(), nullable=True),
    sa.Column('quantity', sa.Double(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_shortages_superseded_by', 'history_shortages', ['superseded_by'], unique=False)

    op.create_table('history_substitutes',
    sa.Column('generic_name', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('substitute', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False)
    )
    op.create_index('ix_history_substitutes_superseded_by', 'history_substitutes', ['superseded_by'], unique=False)

    op.create_table('hospitals',
    sa.Column('hospital_id', sa.Text(), nullable=False),
    sa.Column('hospital_name', sa.Text(), nullable=True),
    sa.Column('region', sa.Text(), nullable=True),
    sa.Column('level', sa.Text(), nullable=True),
    sa.Column('other_ids', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False)
    )
    op.create_index('ux_hospitals_natural_key', 'hospitals', ['hospital_id'], unique=True)

    op.create_table('imports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_name', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('source_name', sa.Text(), nullable=False),
    sa.Column('file_hash', sa.Text(), nullable=False),
    sa.Column('hospital_scope', sa.Text(), nullable=True),
    sa.Column('added', sa.Text(), nullable=False),
    sa.Column('replaced', sa.Text(), nullable=False),
    sa.Column('unchanged', sa.Text(), nullable=False),
    sa.Column('removed', sa.Text(), nullable=True),
    sa.Column('replace_period', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('offers',
    sa.Column('generic_name', sa.Text(), nullable=False),
    sa.Column('specification', sa.Text(), nullable=False),
    sa.Column('supplier', sa.Text(), nullable=False),
    sa.Column('unit_price', sa.Double(), nullable=True),
    sa.Column('capacity', sa.Double(), nullable=True),
    sa.Column('regions', sa.Text(), nullable=True),
    sa.Column('min_share', sa.Double(), nullable=True),
    sa.Column('agreed_ratio', sa.Double(), nullable=True),
    sa.Column('backup', sa.Boolean(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False)
    )
    op.create_index('ux_offers_natural_key', 'offers', ['generic_name', 'specification', 'supplier'], unique=True)

    op.create_table('payments',
    sa.Column('payment_id', sa.Text(), nullable=False),
    sa.Column('order_id', sa.Text(), nullable=True),
    sa.Column('hospital_id', sa.Text(), nullable=False),
    sa.Column('product_id', sa.Text(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('amount', sa.Double(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('invoice_id', sa.Text(), nullable=True),
    sa.Column('distributor', sa.Text(), nullable=True),
    sa.Column('payer', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('link_date', sa.Date(), nullable=True),
    sa.Column('link_product_id', sa.Text(), nullable=True),
    sa.Column('link_supplier', sa.Text(), nullable=True),
    sa.Column('link_by', sa.Text(), nullable=True)
    )
    op.create_index('ix_payments_hospital_id_date', 'payments', ['hospital_id', 'date'], unique=False)
    op.create_index('ix_payments_order_id', 'payments', ['order_id'], unique=False)
    op.create_index('ux_payments_natural_key', 'payments', ['hospital_id', 'payment_id'], unique=True)

    op.create_table('products',
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('batch', sa.Text(), nullable=True),
    sa.Column('generic_name', sa.Text(), nullable=True),
    sa.Column('dosage_form', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('pack_size', sa.Double(), nullable=True),
    sa.Column('unit', sa.Text(), nullable=True),
    sa.Column('pack_unit', sa.Text(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('unit_price', sa.Double(), nullable=True),
    sa.Column('baseline_price', sa.Double(), nullable=True),
    sa.Column('agreement_start', sa.Date(), nullable=True),
    sa.Column('agreement_end', sa.Date(), nullable=True),
    sa.Column('other_codes', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False)
    )
    op.create_index('ux_products_natural_key', 'products', ['product_id'], unique=True)

    op.create_table('purchase_series',
    sa.Column('hospital_id', sa.Text(), nullable=False),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('generic_name', sa.Text(), nullable=False),
    sa.Column('specification', sa.Text(), nullable=False),
    sa.Column('supplier', sa.Text(), nullable=False),
    sa.Column('winning', sa.Boolean(), nullable=False),
    sa.Column('days', sa.LargeBinary(), nullable=False),
    sa.Column('quantity', sa.LargeBinary(), nullable=False),
    sa.Column('amount', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('hospital_id', 'product_id', 'generic_name', 'specification', 'supplier', 'winning')
    )
    op.create_table('purchases',
    sa.Column('order_id', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('hospital_id', sa.Text(), nullable=False),
    sa.Column('product_id', sa.Text(), nullable=True),
    sa.Column('generic_name', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('quantity', sa.Double(), nullable=True),
    sa.Column('amount', sa.Double(), nullable=True),
    sa.Column('winning', sa.Boolean(), nullable=True),
    sa.Column('ordered_quantity', sa.Double(), nullable=True),
    sa.Column('order_date', sa.Date(), nullable=True),
    sa.Column('distributor', sa.Text(), nullable=True),
    sa.Column('invoice_id', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False)
    )
    op.create_index('ix_purchases_delivery_lines', 'purchases', ['hospital_id', 'date'], unique=False, sqlite_where=sa.text('ordered_quantity IS NOT NULL OR order_date IS NOT NULL'), postgresql_where=sa.text('ordered_quantity IS NOT NULL OR order_date IS NOT NULL'))
    op.create_index('ix_purchases_hospital_id_date', 'purchases', ['hospital_id', 'date'], unique=False)
    op.create_index('ux_purchases_natural_key', 'purchases', ['hospital_id', 'order_id'], unique=True)

    op.create_table('shortages',
    sa.Column('shortage_id', sa.Text(), nullable=False),
    sa.Column('hospital_id', sa.Text(), nullable=False),
    sa.Column('product_id', sa.Text(), nullable=True),
    sa.Column('generic_name', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('supplier', sa.Text(), nullable=True),
    sa.Column('distributor', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('orders', sa.Double(), nullable=True),
    sa.Column('quantity', sa.Double(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False)
    )
    op.create_index('ux_shortages_natural_key', 'shortages', ['hospital_id', 'shortage_id'], unique=True)

    op.create_table('signin_throttle',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure', sa.DateTime(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('substitutes',
    sa.Column('generic_name', sa.Text(), nullable=False),
    sa.Column('specification', sa.Text(), nullable=False),
    sa.Column('substitute', sa.Text(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False)
    )
    op.create_index('ux_substitutes_natural_key', 'substitutes', ['generic_name', 'specification', 'substitute'], unique=True)

    op.create_table('user_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id_hash')
    )
    op.create_index('ix_user_sessions_username', 'user_sessions', ['username'], unique=False)

    op.create_table('users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('hospital_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('username')
    )


def downgrade() -> None:
    op.drop_table('users')
    op.drop_index('ix_user_sessions_username', table_name='user_sessions')

    op.drop_table('user_sessions')
    op.drop_index('ux_substitutes_natural_key', table_name='substitutes')

    op.drop_table('substitutes')
    op.drop_table('signin_throttle')
    op.drop_index('ux_shortages_natural_key', table_name='shortages')

    op.drop_table('shortages')
    op.drop_index('ux_purchases_natural_key', table_name='purchases')
    op.drop_index('ix_purchases_hospital_id_date', table_name='purchases')
    op.drop_index('ix_purchases_delivery_lines', table_name='purchases')

    op.drop_table('purchases')
    op.drop_table('purchase_series')
    op.drop_index('ux_products_natural_key', table_name='products')

    op.drop_table('products')
    op.drop_index('ux_payments_natural_key', table_name='payments')
    op.drop_index('ix_payments_order_id', table_name='payments')
    op.drop_index('ix_payments_hospital_id_date', table_name='payments')

    op.drop_table('payments')
    op.drop_index('ux_offers_natural_key', table_name='offers')

    op.drop_table('offers')
    op.drop_table('imports')
    op.drop_index('ux_hospitals_natural_key', table_name='hospitals')

    op.drop_table('hospitals')
    op.drop_index('ix_history_substitutes_superseded_by', table_name='history_substitutes')

    op.drop_table('history_substitutes')
    op.drop_index('ix_history_shortages_superseded_by', table_name='history_shortages')

    op.drop_table('history_shortages')
    op.drop_index('ix_history_purchases_superseded_by', table_name='history_purchases')

    op.drop_table('history_purchases')
    op.drop_index('ix_history_products_superseded_by', table_name='history_products')

    op.drop_table('history_products')
    op.drop_index('ix_history_payments_superseded_by', table_name='history_payments')

    op.drop_table('history_payments')
    op.drop_index('ix_history_offers_superseded_by', table_name='history_offers')

    op.drop_table('history_offers')
    op.drop_index('ix_history_hospitals_superseded_by', table_name='history_hospitals')

    op.drop_table('history_hospitals')
    op.drop_index('ix_history_fund_transfers_superseded_by', table_name='history_fund_transfers')

    op.drop_table('history_fund_transfers')
    op.drop_index('ix_history_demand_superseded_by', table_name='history_demand')

    op.drop_table('history_demand')
    op.drop_index('ix_history_agreements_superseded_by', table_name='history_agreements')

    op.drop_table('history_agreements')
    op.drop_index('ux_fund_transfers_natural_key', table_name='fund_transfers')

    op.drop_table('fund_transfers')
    op.drop_index('ux_demand_natural_key', table_name='demand')
    op.drop_index('ix_demand_generic_name_specification', table_name='demand')

    op.drop_table('demand')
    op.drop_table('app_secrets')
    op.drop_index('ux_agreements_natural_key', table_name='agreements')
    op.drop_index('ix_agreements_product_id', table_name='agreements')

    op.drop_table('agreements')
    op.drop_table('account_events')
