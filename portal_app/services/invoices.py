"""Invoice lifecycle: drafts and their lines, numbering, issuing (with the new-invoice email),
voiding, manual payments; status filters and dashboard counts on the stored balances. Every
change here ends with invoice_balances.recompute() in the same transaction."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from portal_app.clock import today
from portal_app.mail.emails import portal_link, queue_email
from portal_app.extensions import db
from portal_app.models import (
    Contact,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentSettings,
    Shop,
)
from portal_app.services import taxes
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
        try:
            with db.session.begin_nested():  # a concurrent request may create it first
                settings = payment_settings(shop)
                db.session.add(settings)
        except IntegrityError:
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


def open_summary(shop_id: int, customer_id: int | None = None) -> dict[str, tuple[int, int]]:
    """{status: (count, amount due)} of the shop's (or one customer's) unpaid, overdue and
    processing invoices, from the open-invoice totals: one row per status and due date."""
    return open_totals(shop_id, customer_id, today())


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


def issue(invoice: Invoice) -> int:
    """Move a draft to open; email the billing contacts if the shop wants that. Return how many
    emails were queued."""
    if invoice.state != "draft":
        raise InvoiceStateError("Only a draft can be issued.")
    if not invoice.lines or invoice.total_cents <= 0:
        raise InvoiceStateError("Add at least one line with an amount before issuing.")
    taxes.fix(invoice)  # the rate in force when it is issued, kept from now on
    invoice.state = "open"
    invoice.issued_on = invoice.issued_on or today()
    recompute([invoice.id])
    settings = payment_settings(invoice.shop)
    if not settings.invoice_notifications:
        return 0
    recipients = db.session.scalars(
        select(Contact).where(Contact.customer_id == invoice.customer_id,
                              Contact.shop_id == invoice.shop_id,
                              Contact.is_billing.is_(True),
                              Contact.portal_disabled.is_(False))
        .order_by(Contact.id)).all()
    link = portal_link("invoices.detail", invoice_id=invoice.id)
    for contact in recipients:
        queue_email("invoice_issued", recipient=contact.email, shop=invoice.shop,
                    contact=contact, invoice=invoice, link=link,
                    has_login=contact.portal_state == "active")
    return len(recipients)


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
