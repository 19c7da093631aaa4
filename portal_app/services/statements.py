"""A customer's statement of account: its open invoices aged in five buckets of days past due
(Current, 1-30, 31-60, 61-90, Over 90) as of the statement's end date, what each bucket and the
whole account owe, and the payments received in the period.

The aging itself is pure (bucket_of, days_past_due, aged); the statement reads the customer's
open invoices and the period's payments in two queries, scoped by shop and customer. Amounts
are today's: an invoice is on a statement when it was issued by the end date and something is
still due on it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from portal_app.clock import zone
from portal_app.extensions import db
from portal_app.models import Contact, Customer, Invoice, OutboundEmail, Payment, Shop, utcnow

BUCKETS = ("Current", "1-30", "31-60", "61-90", "Over 90")
DEFAULT_DAYS = 90  # a statement covers the last 90 days unless a range is asked for
RESEND_AFTER = timedelta(minutes=2)  # a second Email statement within this sends nothing


def days_past_due(due_on: date, as_of: date) -> int:
    """Whole days an invoice due on `due_on` is late on `as_of` (0: not yet due, or due that
    day)."""
    return max((as_of - due_on).days, 0)


def bucket_of(due_on: date, as_of: date) -> str:
    """The aging bucket of an invoice due on `due_on`, as of `as_of`: Current (not yet due or
    due that day), 1-30, 31-60, 61-90 or Over 90 days past due."""
    late = days_past_due(due_on, as_of)
    if late == 0:
        return "Current"
    if late <= 30:
        return "1-30"
    if late <= 60:
        return "31-60"
    if late <= 90:
        return "61-90"
    return "Over 90"


def due_date(invoice: Invoice) -> date:
    """When an issued invoice is due: its due date, or its issue date when due on receipt."""
    return invoice.due_on or invoice.issued_on


@dataclass(frozen=True)
class OpenInvoice:
    invoice: Invoice
    due_on: date
    days_past_due: int
    bucket: str

    @property
    def amount_due_cents(self) -> int:
        return self.invoice.amount_due_cents


def aged(invoices: list[Invoice], as_of: date) -> list[OpenInvoice]:
    """The invoices with their due date, days past due and bucket as of `as_of`, oldest due
    first."""
    rows = [OpenInvoice(invoice, due_date(invoice), days_past_due(due_date(invoice), as_of),
                        bucket_of(due_date(invoice), as_of)) for invoice in invoices]
    return sorted(rows, key=lambda row: (row.due_on, row.invoice.id))


def bucket_totals(rows: list[OpenInvoice]) -> dict[str, int]:
    """Cents due per bucket, every bucket present (0 when empty), in the buckets' order."""
    totals = dict.fromkeys(BUCKETS, 0)
    for row in rows:
        totals[row.bucket] += row.amount_due_cents
    return totals


@dataclass(frozen=True)
class Statement:
    shop: Shop
    customer: Customer
    start: date
    end: date  # the as-of date: invoices are aged on it
    open_invoices: list[OpenInvoice]
    buckets: dict[str, int]
    payments: list[Payment]

    @property
    def balance_cents(self) -> int:
        return sum(self.buckets.values())

    @property
    def received_cents(self) -> int:
        return sum(payment.net_cents for payment in self.payments)

    @property
    def past_due_cents(self) -> int:
        return self.balance_cents - self.buckets["Current"]


def open_invoices(shop: Shop, customer: Customer, end: date) -> list[Invoice]:
    """The customer's issued, not void invoices with something due, issued by `end` (with their
    unit, for the CSV)."""
    return db.session.scalars(
        select(Invoice).options(joinedload(Invoice.asset))
        .where(Invoice.shop_id == shop.id, Invoice.customer_id == customer.id,
               Invoice.state == "open", Invoice.amount_due_cents > 0,
               Invoice.issued_on.is_not(None), Invoice.issued_on <= end)).all()


def payment_day(payment: Payment, shop: Shop) -> date:
    """The day a payment was received: the date staff recorded, or the shop's calendar day of
    an online payment."""
    return payment.paid_on or payment.created_at.astimezone(zone(shop)).date()


def payments_in(shop: Shop, customer: Customer, start: date, end: date) -> list[Payment]:
    """The customer's succeeded payments received from `start` to `end` (inclusive, on the
    shop's calendar), oldest first, each with its invoice."""
    tz = zone(shop)
    since = datetime.combine(start, time.min, tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tz)
    found = db.session.scalars(
        select(Payment).join(Payment.invoice).options(contains_eager(Payment.invoice))
        .where(Payment.shop_id == shop.id, Invoice.shop_id == shop.id,
               Invoice.customer_id == customer.id, Payment.status == "succeeded",
               or_(and_(Payment.paid_on.is_not(None), Payment.paid_on >= start,
                        Payment.paid_on <= end),
                   and_(Payment.paid_on.is_(None), Payment.created_at >= since,
                        Payment.created_at < until)))).all()
    return sorted(found, key=lambda p: (payment_day(p, shop), p.id))


def statement(shop: Shop, customer: Customer, start: date, end: date) -> Statement:
    """The customer's statement for the period `start`..`end`, aged as of `end`."""
    rows = aged(open_invoices(shop, customer, end), end)
    return Statement(shop, customer, start, end, rows, bucket_totals(rows),
                     payments_in(shop, customer, start, end))


def dollars(cents: int) -> Decimal:
    """Cents as a decimal amount with two places (a CSV cell: 1234.50)."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


CSV_HEADER = ("Row", "Invoice", "Issued", "Due", "Days past due", "Aging bucket",
              "Unit number", "PO number", "Date paid", "Method", "Reference", "Amount")


def csv_rows(found: Statement):
    """The statement as CSV rows (CSV_HEADER): each open invoice with its bucket and amount
    due, each bucket's total and the balance, then each payment of the period."""
    for row in found.open_invoices:
        invoice = row.invoice
        yield ("Open invoice", invoice.number, invoice.issued_on.isoformat(),
               row.due_on.isoformat(), row.days_past_due, row.bucket,
               invoice.asset.unit_number if invoice.asset else "", invoice.po_number or "",
               "", "", "", str(dollars(row.amount_due_cents)))
    for name, cents in found.buckets.items():
        yield ("Bucket total", "", "", "", "", name, "", "", "", "", "", str(dollars(cents)))
    yield ("Balance", "", "", "", "", "", "", "", "", "", "", str(dollars(found.balance_cents)))
    for payment in found.payments:
        yield ("Payment", payment.invoice.number, "", "", "", "", "",
               payment.invoice.po_number or "", payment_day(payment, found.shop).isoformat(),
               payment.method_label, payment.reference or "", str(dollars(payment.net_cents)))


def recently_emailed(shop: Shop, contacts: list[Contact]) -> bool:
    """Whether these contacts were sent a statement moments ago (a double click, a second
    tab): then Email statement sends nothing again."""
    if not contacts:
        return False
    return db.session.scalar(
        select(OutboundEmail.id).where(
            OutboundEmail.shop_id == shop.id, OutboundEmail.kind == "statement",
            OutboundEmail.contact_id.in_([contact.id for contact in contacts]),
            OutboundEmail.created_at >= utcnow() - RESEND_AFTER).limit(1)) is not None
