"""Invoice lifecycle: drafts and their lines, numbering, issuing (with the new-invoice email),
voiding, manual payments; status filters and dashboard counts on the stored balances. Every
change here ends with invoice_balances.recompute() in the same transaction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from portal_app.clock import today
from portal_app.data.search import starts_with
from portal_app.mail.emails import portal_link, queue_email
from portal_app.extensions import db
from portal_app.models import (
    Asset,
    Contact,
    Customer,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentSettings,
    Shop,
    STATUS_LABELS,
    WorkOrder,
    WorkOrderLine,
)
from portal_app.services import notifications, pricing, stripe_gateway, taxes
from portal_app.services.invoice_balances import open_totals, recompute


class InvoiceStateError(Exception):
    """The invoice is not in a state that allows the action; the message says why."""


def payment_settings(shop: Shop) -> PaymentSettings:
    """The shop's payment settings; defaults (not saved) when the shop never changed them."""
    return db.session.get(PaymentSettings, shop.id) or PaymentSettings(
        shop_id=shop.id, stripe_state="not_connected", bank_transfer_enabled=False,
        invoice_notifications=True)


def saved_payment_settings(shop: Shop) -> PaymentSettings:
    """The shop's payment settings row, created with defaults before a change."""
    settings = db.session.get(PaymentSettings, shop.id)
    if settings is None:
        # INSERT ... ON CONFLICT DO NOTHING: a concurrent request may create it first; one
        # plain statement (no savepoint), so SQLite's busy timeout waits for the other writer.
        insert_for = postgresql_insert if db.engine.dialect.name == "postgresql" else \
            sqlite_insert
        db.session.execute(insert_for(PaymentSettings).values(
            shop_id=shop.id, stripe_state="not_connected", bank_transfer_enabled=False,
            invoice_notifications=True).on_conflict_do_nothing(index_elements=["shop_id"]))
        settings = db.session.get(PaymentSettings, shop.id, populate_existing=True)
    return settings


def next_number(shop: Shop) -> str:
    """The next free invoice number of the shop: INV-0001, INV-0002, ..."""
    count = db.session.scalar(select(func.count()).select_from(Invoice)
                              .where(Invoice.shop_id == shop.id)) or 0
    while True:
        count += 1
        number = f"INV-{count:04d}"
        if db.session.scalar(select(Invoice.id).where(Invoice.shop_id == shop.id,
                                                      Invoice.number == number)) is None:
            return number


def from_work_order(work_order: WorkOrder) -> tuple[Invoice, bool]:
    """A draft invoice for the work order's customer with its approved lines (the estimate's
    approved lines and approved additional work; declined and pending ones left out), unit,
    location, the approvals' PO numbers and the tax it charged, linked to it; (invoice,
    created). Once per work order: a second call, or one in another tab that lost the race on
    the unique work order column, returns the first draft. Must be the transaction's first
    write (a lost race rolls it back)."""
    existing = _invoice_of(work_order.id)
    if existing is not None:
        return existing, False
    if work_order.status == WorkOrder.CLOSED:
        raise InvoiceStateError(f"{work_order.number} is closed; reopen it to invoice it.")
    lines = [line for line in work_order.lines if line.approval_state == WorkOrderLine.APPROVED]
    if not lines:
        raise InvoiceStateError(f"{work_order.number} has no approved lines to invoice.")
    shop = db.session.get(Shop, work_order.shop_id)
    approvals = ([work_order.estimate.decision] if work_order.estimate is not None and
                 work_order.estimate.decision is not None else []) + list(work_order.approvals)
    po_numbers = list(dict.fromkeys(a.po_number for a in approvals if a.po_number))
    values = {"shop_id": shop.id, "customer_id": work_order.customer_id, "state": "draft",
              "asset_id": work_order.asset_id, "location_id": work_order.location_id,
              "work_order_id": work_order.id, "po_number": ", ".join(po_numbers)[:200] or None,
              "issued_on": today(shop), "memo": f"Work order {work_order.number}"}
    taxed = {column: getattr(work_order, column) for column in taxes.TAX_COLUMNS}
    priced = [{"description": line.description, **line.priced()} for line in lines]
    work_order_id = work_order.id
    for _ in range(5):
        invoice = Invoice(number=next_number(shop), **values, **taxed)
        invoice.lines = [InvoiceLine(position=i, **pricing.line_fields(line))
                         for i, line in enumerate(priced)]
        db.session.add(invoice)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            existing = _invoice_of(work_order_id)
            if existing is not None:
                return existing, False
            continue  # another invoice took the number: the next one
        recompute([invoice.id])
        return invoice, True
    raise InvoiceStateError("Could not pick a free invoice number; try again.")


def _invoice_of(work_order_id: int) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.work_order_id == work_order_id))


def with_status(invoices: Select, status: str) -> Select:
    """Narrow a SELECT of invoices to those whose status (as status_on() shows it) is
    `status`: a condition on the stored status and due date, served by an index."""
    return invoices.where(Invoice.status_is(status, today()))


def list_order(status: str, *newest) -> tuple:
    """The order of a list of invoices: `newest` (the list's own), but overdue ones by due
    date, most overdue first. Overdue invoices are the old ones: walking a list newest first
    to find them would read every recent invoice on the way (and PostgreSQL's planner, which
    cannot know that issue and due dates go together, would choose that walk)."""
    if status == "overdue":
        return (Invoice.due_on, Invoice.id)
    return newest


def issued_between(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """Invoices issued on or after `start` and on or before `end` (either may be open)."""
    found = []
    if start is not None:
        found.append(Invoice.issued_on >= start)
    if end is not None:
        found.append(Invoice.issued_on <= end)
    return found


def for_unit(text: str, shop_id: int, customer_id: int | None = None) -> ColumnElement[bool]:
    """Invoices of a unit whose Unit Number starts with `text` (case and spaces aside), among
    the shop's units (or one customer's)."""
    units = select(Asset.id).where(Asset.shop_id == shop_id,
                                   starts_with(Asset.unit_number_key, text))
    if customer_id is not None:
        units = units.where(Asset.customer_id == customer_id)
    return Invoice.asset_id.in_(units)


def with_po(text: str) -> ColumnElement[bool]:
    """Invoices whose PO numbers (invoice.po_number: its own, or those the approvals of the
    work it bills gave, copied when it was drafted) contain `text`, case aside."""
    return Invoice.po_number.icontains(text, autoescape=True)


EXPORT_BATCH = 500
EXPORT_LIMIT = 100_000


def export_rows(invoices: Select, day: date, *, with_customer: bool) -> Iterator[tuple]:
    """The rows of an invoice export: `invoices` (a scoped, filtered SELECT of Invoice) as
    plain values, read EXPORT_BATCH rows at a time with the unit (and the customer) joined in
    the same query, at most EXPORT_LIMIT of them, in the SELECT's order: (customer name if
    with_customer,) number, issued, due, unit number, PO number, subtotal, tax, total, paid,
    due amount (decimals), status (as the customer sees it on `day`)."""
    columns = [Invoice.number, Invoice.issued_on, Invoice.due_on, Asset.unit_number,
               Invoice.po_number, Invoice.total_cents, Invoice.tax_cents, Invoice.paid_cents,
               Invoice.amount_due_cents, Invoice.status, Invoice.state]
    query = invoices.with_only_columns(*columns).outerjoin(Asset, Asset.id == Invoice.asset_id)
    if with_customer:
        query = query.add_columns(Customer.name).join(Customer, Customer.id == Invoice.customer_id)
    result = db.session.execute(query.limit(EXPORT_LIMIT).execution_options(
        yield_per=EXPORT_BATCH))
    try:
        for (number, issued, due, unit, po, total, tax, paid, amount_due, status, state,
             *customer) in result:
            if status == "unpaid" and due is not None and due < day:
                status = "overdue"
            yield (*customer, number, issued, due, unit, po, _decimal(total - tax),
                   _decimal(tax), _decimal(total), _decimal(paid),
                   _decimal(0 if state == "void" else amount_due), STATUS_LABELS[status])
    finally:
        result.close()


def _decimal(cents: int) -> Decimal:
    """Cents as a plain decimal amount: 123450 is 1234.50."""
    return Decimal(int(cents)).scaleb(-2)


def open_summary(shop_id: int, customer_id: int | None = None) -> dict[str, tuple[int, int]]:
    """{status: (count, amount due)} of the shop's (or one customer's) unpaid, overdue and
    processing invoices, from the open-invoice totals: one row per status and due date; and
    "to_pay", what the dashboards sum up: the unpaid ones, overdue included."""
    summary = open_totals(shop_id, customer_id, today())
    summary["to_pay"] = tuple(a + b for a, b in zip(summary["unpaid"], summary["overdue"]))
    return summary


def save_draft(invoice: Invoice, lines: list[InvoiceLine]) -> Invoice:
    """Store a draft (new or edited) with these lines, replacing the ones it had, and its
    total. Flushes: a duplicate number raises IntegrityError here."""
    if invoice.state != "draft":
        raise InvoiceStateError("Only drafts can be edited.")
    invoice.lines = lines
    taxes.fix(invoice)
    db.session.add(invoice)
    db.session.flush()
    recompute([invoice.id])
    return invoice


def due_by_terms(invoice: Invoice) -> date:
    """The due date an invoice is issued with unless staff choose another: the draft's own, or
    its issue date (today when it has none) plus the shop's payment terms (Net 30: thirty days
    later; 0: the same day, due on receipt)."""
    if invoice.due_on is not None:
        return invoice.due_on
    shop = db.session.get(Shop, invoice.shop_id)  # the request's shop: no query
    return (invoice.issued_on or today(shop)) + timedelta(days=shop.payment_terms_days or 0)


def issue(invoice: Invoice, due_on: date | None = None) -> list[Contact] | None:
    """Move a draft to open with a due date (`due_on`, or by the shop's payment terms); email
    the billing contacts who can act on it and want invoice emails (notifications), if the shop
    sends invoice emails. Return whom it emailed (None: the shop's invoice emails are off)."""
    if invoice.state != "draft":
        raise InvoiceStateError("Only a draft can be issued.")
    if not invoice.lines or invoice.total_cents <= 0:
        raise InvoiceStateError("Add at least one line with an amount before issuing.")
    issued_on = invoice.issued_on or today()
    due_on = due_on or due_by_terms(invoice)
    if due_on < issued_on:
        raise InvoiceStateError("The due date can't be before the issue date "
                                f"({issued_on:%-d %b %Y}).")
    taxes.fix(invoice)  # the rate in force when it is issued, kept from now on
    invoice.issued_on, invoice.due_on = issued_on, due_on  # fixed once it is open
    invoice.state = "open"
    recompute([invoice.id])
    settings = payment_settings(invoice.shop)
    if not settings.invoice_notifications:
        return None
    recipients = notifications.recipients(invoice.shop_id, invoice.customer_id, "invoices",
                                          billing_only=True)
    link = portal_link("invoices.detail", invoice_id=invoice.id, shop=invoice.shop)
    online = bool(stripe_gateway.payment_methods(settings))
    for contact in recipients:
        queue_email("invoice_issued", recipient=contact.email, shop=invoice.shop,
                    contact=contact, invoice=invoice, link=link,
                    has_login=contact.portal_state == "active", online=online,
                    pay_instead=settings.pay_instead_text)
    return recipients


def void(invoice: Invoice, reason: str | None) -> None:
    """Void an invoice that has no money on it (nothing paid, nothing in flight)."""
    if invoice.state == "void":
        raise InvoiceStateError("This invoice is already void.")
    if invoice.paid_cents > 0 or invoice.processing_cents > 0:
        raise InvoiceStateError("This invoice has payments. Refund them before voiding it.")
    invoice.state = "void"
    invoice.void_reason = reason or None
    recompute([invoice.id])


def record_manual_payment(invoice: Invoice, *, amount_cents: int, method: str,
                          reference: str | None, paid_on: date, staff_id: int) -> Payment:
    """Record money received outside the portal ("Mark as paid"); partial amounts allowed."""
    if invoice.state != "open":
        raise InvoiceStateError("Payments can only be recorded on an issued, open invoice.")
    if amount_cents <= 0:
        raise InvoiceStateError("Enter an amount above zero.")
    if amount_cents > invoice.amount_due_cents:
        raise InvoiceStateError(
            f"That is more than the amount due ({money(invoice.amount_due_cents)}).")
    payment = Payment(shop_id=invoice.shop_id, invoice_id=invoice.id, amount_cents=amount_cents,
                      method=method, status="succeeded", reference=reference or None,
                      paid_on=paid_on, recorded_by_id=staff_id)
    db.session.add(payment)
    recompute([invoice.id])
    return payment


def money(cents: int, currency: str = "usd") -> str:
    """Format cents as people read money: $1,234.50 (negative amounts with a minus sign)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    symbol = "$" if currency.lower() == "usd" else currency.upper() + " "
    return f"{sign}{symbol}{whole:,}.{part:02d}"


_ASCII_DIGITS = re.compile(r"[0-9]*")  # str.isdigit() says yes to "²", which int() refuses


def parse_money(text: str) -> int | None:
    """Parse "1,234.5" or "$12" into cents; None when it is not an amount."""
    cleaned = (text or "").strip().replace(",", "").replace("$", "").strip()
    if not cleaned or cleaned.count(".") > 1 or cleaned.startswith("-"):
        return None
    whole, _, part = cleaned.partition(".")
    if not (whole or part) or not _ASCII_DIGITS.fullmatch(whole + part) or len(part) > 2 or \
            len(whole) > 9:
        return None
    return int(whole or 0) * 100 + int((part + "00")[:2])
