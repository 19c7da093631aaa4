"""An invoice's stored balances and status, the open-invoice totals, and the one function that
writes them.

The invoice stores total_cents, paid_cents, processing_cents, amount_due_cents and status
(draft, unpaid, processing, paid, void) so that lists, status filters and dashboards read plain
indexed columns instead of summing lines and payments on every request. They are derived
figures with one writer: recompute(), called in the same transaction by every change to an
invoice's lines, lifecycle or payments (services/invoices.py, services/payments.py). There is one
copy, written with the change, so "Paid in ShopView but Unpaid in the portal" cannot happen.
Overdue is not stored: it is "unpaid" past the due date (Invoice.status_on / status_is).

The dashboards' counts and amounts come from ShopInvoiceTotal and CustomerInvoiceTotal: per
status (unpaid, processing) and due date, how many open invoices and their amount due, moved
by recompute() in the same transaction as the invoices it changes. Adding up one
row per due date costs the same at 100 invoices and at 100,000.

`flask --app wsgi invoices check` (differences(), total_differences()) recomputes every invoice
from its lines and payments, and the totals from the invoices, and reports any difference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import (BigInteger, Select, bindparam, cast, delete, func, insert, select,
                        update)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal_app.extensions import db
from portal_app.services import pricing
from portal_app.models import (
    NO_DUE_DATE,
    CustomerInvoiceTotal,
    Invoice,
    InvoiceLine,
    Payment,
    ShopInvoiceTotal,
    utcnow,
)

CHUNK = 500  # invoices per statement (IN lists stay small on both databases)


def balances(state: str, subtotal: int, taxable: int, tax: pricing.Tax, paid: int,
             processing: int) -> dict[str, int | str]:
    """The stored figures of an invoice with this lifecycle state, sum of line amounts, sum of
    taxable line amounts, tax, succeeded payments (net of refunds) and bank payments in flight.
    The status rule lives here only."""
    tax_cents = tax.on(int(taxable))
    total = int(subtotal) + tax_cents
    paid, processing = int(paid), int(processing)
    due = max(total - paid, 0)
    if state in ("draft", "void"):
        status = state
    elif total > 0 and due == 0:
        status = "paid"
    elif processing > 0 and processing >= due:
        status = "processing"
    else:
        status = "unpaid"
    return {"total_cents": total, "tax_cents": tax_cents, "paid_cents": paid,
            "processing_cents": processing, "amount_due_cents": due, "status": status}


def _sum(column, *where):
    """SUM(column) of the invoice's rows, 0 when none, as a 64-bit integer on both databases."""
    return (select(cast(func.coalesce(func.sum(column), 0), BigInteger)).where(*where)
            .correlate(Invoice).scalar_subquery())


def measured(invoice_ids: Select | list[int] | None = None) -> Select:
    """SELECT (id, state, subtotal, taxable, tax name, rate, exempt, paid, processing) computed
    from the lines and payments of the invoices with these ids (every invoice when None): with
    balances(), what the stored figures must say."""
    subtotal = _sum(InvoiceLine.amount_cents, InvoiceLine.invoice_id == Invoice.id)
    taxable = _sum(InvoiceLine.amount_cents, InvoiceLine.invoice_id == Invoice.id,
                   InvoiceLine.taxable.is_(True))
    paid = _sum(Payment.amount_cents - Payment.refunded_cents,
                Payment.invoice_id == Invoice.id, Payment.status == "succeeded")
    processing = _sum(Payment.amount_cents, Payment.invoice_id == Invoice.id,
                      Payment.status == "processing")
    query = select(Invoice.id, Invoice.state, subtotal, taxable, Invoice.tax_name,
                   Invoice.tax_rate, Invoice.tax_exempt, paid, processing)
    if invoice_ids is not None:
        query = query.where(Invoice.id.in_(invoice_ids))
    return query.order_by(Invoice.id)


def recompute(invoice_ids: Iterable[int]) -> int:
    """Write the stored balances and status of these invoices from their lines and payments,
    and the open-invoice totals of their shop and customer.

    The one writer of those columns and tables. Call it after changing an invoice's lines,
    lifecycle or payments, in the same transaction (it flushes first and never commits). The
    invoices' rows are locked first (PostgreSQL: SELECT ... FOR NO KEY UPDATE, which waits for
    another recompute of the same invoice but not for the key-share lock that inserting a
    payment or a line takes; SQLite has one writer at a time), so two transactions changing
    payments of one invoice at once cannot both write figures that miss the other's change:
    the second computes after the first has committed. Only rows whose figures changed are
    written; the totals move by what those rows' figures moved. Returns how many were."""
    ids = sorted({int(invoice_id) for invoice_id in invoice_ids})
    if not ids:
        return 0
    session = db.session
    session.flush()
    written = 0
    moves: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for chunk in _chunks(ids):
        stored = {row.id: row for row in session.execute(
            select(Invoice.id, Invoice.shop_id, Invoice.customer_id, Invoice.due_on,
                   *(getattr(Invoice, c) for c in Invoice.BALANCE_COLUMNS))
            .where(Invoice.id.in_(chunk)).order_by(Invoice.id).with_for_update(key_share=True))}
        # A new statement after the lock: on PostgreSQL it sees what the lock waited for.
        changes = []
        for invoice_id, state, subtotal, taxable, *tax, paid, processing in session.execute(
                measured(chunk)):
            figures = balances(state, subtotal, taxable, _tax(*tax), paid, processing)
            current = stored[invoice_id]
            if any(getattr(current, column) != value for column, value in figures.items()):
                changes.append({"id": invoice_id, **figures, "updated_at": utcnow()})
                _count(moves, current, current.status, current.amount_due_cents, -1)
                _count(moves, current, figures["status"], figures["amount_due_cents"], +1)
        if changes:
            session.execute(update(Invoice), changes)  # bulk UPDATE by primary key
            written += len(changes)
    _move_totals(moves)
    _expire_loaded(set(ids))
    return written


OPEN = ("unpaid", "processing")  # the statuses the open-invoice totals count


def _count(moves: dict, invoice, status: str, due: int, sign: int) -> None:
    """Add (or take away) one invoice of this status and amount due to its totals."""
    if status not in OPEN:
        return
    due_on = invoice.due_on or NO_DUE_DATE
    for key in (("shop", invoice.shop_id, None, status, due_on),
                ("customer", invoice.shop_id, invoice.customer_id, status, due_on)):
        moves[key][0] += sign
        moves[key][1] += sign * due


def _move_totals(moves: dict) -> None:
    """Apply the moves to ShopInvoiceTotal and CustomerInvoiceTotal, as increments (an upsert
    adding to the row another transaction may be changing too: it waits for that one's row
    lock and adds to what it committed), in one order of keys so that two transactions never
    wait for each other in a circle. Rows that count no invoice any more are deleted."""
    insert_for = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    for scope, model, where in (("customer", CustomerInvoiceTotal, ("customer_id",)),
                                ("shop", ShopInvoiceTotal, ("shop_id",))):
        rows = [{"shop_id": shop_id, "customer_id": customer_id, "status": status,
                 "due_on": due_on, "invoices": count, "amount_due_cents": due}
                for (kind, shop_id, customer_id, status, due_on), (count, due)
                in sorted(moves.items()) if kind == scope and (count or due)]
        if not rows:
            continue
        if scope == "shop":
            for row in rows:
                del row["customer_id"]
        statement = insert_for(model)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[*where, "status", "due_on"],
            set_={"invoices": model.invoices + statement.excluded.invoices,
                  "amount_due_cents": model.amount_due_cents
                  + statement.excluded.amount_due_cents}), rows)
        emptied = [row for row in rows if row["invoices"] < 0]
        if emptied:
            table = model.__table__
            db.session.connection().execute(delete(table).where(
                *(table.c[column] == bindparam(f"k_{column}") for column in where),
                table.c.status == bindparam("k_status"), table.c.due_on == bindparam("k_due_on"),
                table.c.invoices == 0),
                [{f"k_{key}": row[key] for key in (*where, "status", "due_on")}
                 for row in emptied])


def open_totals(shop_id: int, customer_id: int | None, today) -> dict[str, tuple[int, int]]:
    """{unpaid, overdue, processing: (invoices, amount due)} of the shop, or of one of its
    customers, added up from the open-invoice totals (a row per status and due date that still
    has open invoices: a few hundred at most, whatever the number of invoices)."""
    model = ShopInvoiceTotal if customer_id is None else CustomerInvoiceTotal
    query = select(model.status, model.due_on, model.invoices, model.amount_due_cents).where(
        model.shop_id == shop_id)
    if customer_id is not None:
        query = query.where(CustomerInvoiceTotal.customer_id == customer_id)
    summary = {"unpaid": [0, 0], "overdue": [0, 0], "processing": [0, 0]}
    for status, due_on, count, due in db.session.execute(query):
        shown = "overdue" if status == "unpaid" and due_on < today else status
        summary[shown][0] += count
        summary[shown][1] += due
    return {status: (count, due) for status, (count, due) in summary.items()}


def total_differences() -> list[str]:
    """Open-invoice totals that differ from the invoices' stored status and amount due, in
    words (what `flask invoices check` also reports)."""
    due_on = func.coalesce(Invoice.due_on, NO_DUE_DATE)
    found = []
    for model, scope in ((ShopInvoiceTotal, (Invoice.shop_id,)),
                         (CustomerInvoiceTotal, (Invoice.customer_id, Invoice.shop_id))):
        keys = [c.key for c in scope]
        expected = {tuple(row[:-2]): (row[-2], row[-1]) for row in db.session.execute(
            select(*scope, Invoice.status, due_on, func.count(),
                   func.sum(Invoice.amount_due_cents))
            .where(Invoice.status.in_(OPEN)).group_by(*scope, Invoice.status, due_on))}
        have = {tuple(row[:-2]): (row[-2], row[-1]) for row in db.session.execute(
            select(*(getattr(model, k) for k in keys), model.status, model.due_on,
                   model.invoices, model.amount_due_cents))}
        for key in sorted(set(expected) | set(have), key=str):
            if expected.get(key, (0, 0)) != have.get(key, (0, 0)):
                found.append(f"{model.__tablename__} {dict(zip([*keys, 'status', 'due_on'], key))}:"
                             f" {have.get(key, (0, 0))} (should be {expected.get(key, (0, 0))})")
    return found


def repair() -> int:
    """Make every stored figure what the lines and payments say (after someone changed the
    database by hand): recompute the invoices that differ, then rebuild the open-invoice totals
    from the invoices. Returns how many invoices were corrected."""
    wrong = [invoice_id for invoice_id, *_ in differences()]
    recompute(wrong)
    due_on = func.coalesce(Invoice.due_on, NO_DUE_DATE)
    for model, scope in ((ShopInvoiceTotal, (Invoice.shop_id,)),
                         (CustomerInvoiceTotal, (Invoice.customer_id, Invoice.shop_id))):
        db.session.execute(delete(model))
        db.session.execute(insert(model).from_select(
            [*(c.key for c in scope), "status", "due_on", "invoices", "amount_due_cents"],
            select(*scope, Invoice.status, due_on, func.count(),
                   func.sum(Invoice.amount_due_cents))
            .where(Invoice.status.in_(OPEN)).group_by(*scope, Invoice.status, due_on)))
    return len(wrong)


def recompute_for_payments(payment_ids: Select | Iterable[int]) -> int:
    """recompute() the invoices these payments belong to."""
    if not isinstance(payment_ids, Select):
        payment_ids = list(payment_ids)
        if not payment_ids:
            return 0
    return recompute(db.session.scalars(
        select(Payment.invoice_id).where(Payment.id.in_(payment_ids)).distinct()).all())


def differences(invoice_ids: Iterable[int] | None = None,
                batch: int = 5000) -> Iterator[tuple[int, str, dict, dict]]:
    """(id, number, stored, expected) of every invoice (or of these) whose stored figures
    differ from what its lines and payments say, read in batches of ids."""
    columns = Invoice.BALANCE_COLUMNS
    wanted = None if invoice_ids is None else sorted(set(invoice_ids))
    last = 0
    while True:
        if wanted is None:
            ids = db.session.scalars(select(Invoice.id).where(Invoice.id > last)
                                     .order_by(Invoice.id).limit(batch)).all()
        else:
            ids = [i for i in wanted if i > last][:batch]
        if not ids:
            return
        last = ids[-1]
        stored = {row.id: row for row in db.session.execute(
            select(Invoice.id, Invoice.number, *(getattr(Invoice, c) for c in columns))
            .where(Invoice.id.in_(ids)))}
        for invoice_id, state, subtotal, taxable, *tax, paid, processing in \
                db.session.execute(measured(ids)):
            expected = balances(state, subtotal, taxable, _tax(*tax), paid, processing)
            row = stored[invoice_id]
            have = {column: getattr(row, column) for column in columns}
            if have != expected:
                yield invoice_id, row.number, have, expected


def _tax(name: str, rate, exempt: bool) -> pricing.Tax:
    return pricing.Tax(name or "", rate, bool(exempt))


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _expire_loaded(ids: set[int]) -> None:
    """Loaded Invoice objects read the new figures on their next access."""
    session = db.session
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Invoice) and obj.id in ids:
            session.expire(obj, [*Invoice.BALANCE_COLUMNS, "updated_at"])
