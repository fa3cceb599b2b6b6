"""Payment links: what the order lines a payment names say (delivery day, product, supplier), copied
onto the payment (``db_schema.LINK_COLUMNS``) whenever either side is imported, so that reads need no
join with millions of order lines."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from procurement import db_schema as schema
from procurement.store.sql import has_rows, is_sqlite


def relink_payments(
    conn: Connection, kind: str, import_id: int | None, hospitals: Any = None, *, own_payments_follow: bool = False
) -> None:
    """Copy onto payments what the purchase lines they name say (``schema.LINK_COLUMNS``).

    In the order of data-templates.md, always from lines of the payment's own hospital: its
    invoice's lines (their earliest day; the product and supplier when all of them share one),
    else its order's line, else, for a payment naming no product or supplier, the one supplier
    whose goods its distributor delivered there. ``kind`` payments: the payments this import
    wrote; ``kind`` purchases: those naming an order it wrote, and (``hospitals``: the hospitals
    of its lines) their payments naming an invoice or a distributor, whose lines it may have
    changed; ``import_id`` None: every payment. Invoices and distributors cost nothing where no
    payment names one. ``own_payments_follow``: the import wrote payments too and relinks them next
    (``kind`` payments), from scratch; the purchases pass leaves them alone, so a first import of a
    year's lines and payments links each payment once, as two imports would.
    """
    pay, lines = schema.KIND_TABLES["payments"], schema.KIND_TABLES["purchases"]
    if not (has_rows(conn, pay) and has_rows(conn, lines)) and import_id is not None:
        return
    if kind == "payments" or import_id is None:  # a re-stated payment may now name another order, or none
        link_payments(conn, sa.true() if import_id is None else pay.c.import_id == import_id)
        return
    earlier = pay.c.import_id != import_id if own_payments_follow else sa.true()
    # the orders this import wrote (the fast path: an order line is found by its natural key)
    link_orders(conn, earlier, lines.c.import_id == import_id)
    # payments naming an invoice or a distributor: worked out again (an invoice link overrides the
    # order link just written; a line may have moved to another invoice or distributor)
    names = sa.and_(earlier, sa.or_(pay.c.invoice_id.is_not(None), pay.c.distributor.is_not(None)))
    if not has_rows(conn, sa.select(pay.c.hospital_id).where(names).subquery()):
        return
    ids = None if hospitals is None else pd.unique(pd.Series(hospitals).dropna().astype(str).to_numpy())
    scope = names if ids is None or len(ids) > 500 else sa.and_(names, pay.c.hospital_id.in_(list(ids)))
    link_payments(conn, scope)


def link_payments(conn: Connection, scope: sa.ColumnElement) -> None:
    """Work out the link of every payment ``scope`` selects, from scratch: invoice, else order, else distributor."""
    pay, lines = schema.KIND_TABLES["payments"], schema.KIND_TABLES["purchases"]
    # a payment without link_by has no link at all (every link sets it): a fresh payment costs no write here
    conn.execute(sa.update(pay).where(scope, pay.c.link_by.is_not(None))
                 .values(link_date=None, link_product_id=None, link_supplier=None, link_by=None))
    link_orders(conn, scope)
    naming = sa.and_(scope, pay.c.invoice_id.is_not(None))
    if has_rows(conn, sa.select(pay.c.hospital_id).where(naming).subquery()):
        theirs = sa.select(pay.c.hospital_id).where(naming).distinct()
        invoices = (
            sa.select(lines.c.hospital_id, lines.c.invoice_id, sa.func.min(lines.c.date).label("day"),
                      the_one(lines.c.product_id).label("product_id"), the_one(lines.c.supplier).label("supplier"))
            .where(lines.c.invoice_id.is_not(None), lines.c.hospital_id.in_(theirs))
            .group_by(lines.c.hospital_id, lines.c.invoice_id)
            .subquery()
        )
        conn.execute(
            sa.update(pay)
            .where(pay.c.hospital_id == invoices.c.hospital_id, pay.c.invoice_id == invoices.c.invoice_id, naming)
            .values(link_date=invoices.c.day, link_product_id=invoices.c.product_id,
                    link_supplier=invoices.c.supplier, link_by="invoice")
        )
    alone = sa.and_(scope, pay.c.distributor.is_not(None), pay.c.product_id.is_(None), pay.c.supplier.is_(None),
                    pay.c.link_by.is_(None))
    if has_rows(conn, sa.select(pay.c.hospital_id).where(alone).subquery()):
        theirs = sa.select(pay.c.hospital_id).where(alone).distinct()
        one = the_one(lines.c.supplier)
        suppliers = (
            sa.select(lines.c.hospital_id, lines.c.distributor, one.label("supplier"))
            .where(lines.c.distributor.is_not(None), lines.c.hospital_id.in_(theirs))
            .group_by(lines.c.hospital_id, lines.c.distributor)
            .having(one.is_not(None))
            .subquery()
        )
        conn.execute(
            sa.update(pay)
            .where(pay.c.hospital_id == suppliers.c.hospital_id, pay.c.distributor == suppliers.c.distributor, alone)
            .values(link_supplier=suppliers.c.supplier, link_by="distributor")
        )


def link_orders(conn: Connection, scope: sa.ColumnElement, lines_scope: sa.ColumnElement | None = None) -> None:
    """Link each payment ``scope`` selects to the line of the order it names in its own hospital
    (one of those ``lines_scope`` selects, if given): that line's day, product and supplier.

    On SQLite written payment by payment, each line found through the lines' natural key (hospital,
    order): one index probe per payment whatever the sizes. Not ``UPDATE payments FROM purchases``
    there: without table statistics SQLite may scan the lines and probe payments by hospital alone
    (a hospital's thousand payments per line), which took two minutes at 100,000 lines and did not
    finish in 45 at a million. PostgreSQL joins the two by hashing: ``UPDATE ... FROM`` is its fast form.
    """
    pay, lines = schema.KIND_TABLES["payments"], schema.KIND_TABLES["purchases"]
    its_order = sa.and_(lines.c.hospital_id == pay.c.hospital_id, lines.c.order_id == pay.c.order_id)
    named = its_order if lines_scope is None else sa.and_(its_order, lines_scope)
    if not is_sqlite(conn):
        conn.execute(
            sa.update(pay)
            .where(named, scope)
            .values(link_date=lines.c.date, link_product_id=lines.c.product_id, link_supplier=lines.c.supplier,
                    link_by="order")
        )
        return

    def of_its_order(column: sa.ColumnElement) -> sa.ScalarSelect:
        return sa.select(column).where(its_order).scalar_subquery()

    conn.execute(
        sa.update(pay)
        .where(scope, pay.c.order_id.is_not(None), sa.exists().where(named))
        .values(link_date=of_its_order(lines.c.date), link_product_id=of_its_order(lines.c.product_id),
                link_supplier=of_its_order(lines.c.supplier), link_by="order")
    )


def the_one(column: sa.ColumnElement) -> sa.ColumnElement:
    """In a group: the value every row has, else NULL (several values, or a row without one)."""
    same = sa.and_(sa.func.min(column) == sa.func.max(column), sa.func.count(column) == sa.func.count())
    return sa.case((same, sa.func.min(column)), else_=None)
