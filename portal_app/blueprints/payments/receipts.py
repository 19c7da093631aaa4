"""Payment history and receipts, written once for both audiences: the customer's /payments and
the console's /staff/payments (newest first, a date range, Export CSV), and each payment's page
/payments/<id> (a receipt once the money is in), its printable view and its PDF.

Every payment is one invoice's; the audience's scope of invoices (the shop's, or in the portal
the logged-in customer's) is the scope of payments: another customer's or shop's is a 404."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import abort, g, request
from flask_wtf import FlaskForm
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager
from wtforms import DateField
from wtforms.validators import Optional

from portal_app.blueprints.payments import bp, console
from portal_app.clock import local, today, zone
from portal_app.data.tenancy import first_or_404
from portal_app.extensions import db
from portal_app.models import Asset, Customer, Invoice, Payment, StaffUser
from portal_app.services.payments import receipt_number
from portal_app.web.audience import Pages
from portal_app.web.csv_out import csv_response
from portal_app.web.pagination import paginate
from portal_app.web.pdf import pdf_response
from portal_app.web.rendering import render

routes = Pages(portal=bp, console=console)
PER_PAGE = 25
EXPORT_BATCH = 1000
# What the lists show: money that came in, is on its way, or did not come. A checkout that
# was only started (pending) or abandoned (canceled) is no payment; the console opens them
# from the invoice's page.
LISTED = ("succeeded", "processing", "failed")
STATUS_LABELS = {"succeeded": "Received", "processing": "Processing", "failed": "Failed",
                 "pending": "Started", "canceled": "Canceled"}
BADGES = {"succeeded": "paid", "processing": "processing", "failed": "overdue",
          "pending": "unpaid", "canceled": "void"}


class PaymentFilters(FlaskForm):
    """The lists' date range (?from=&to=): a GET form, so it carries no CSRF token."""

    class Meta:
        csrf = False

    date_from = DateField("From", name="from", validators=[Optional()])
    date_to = DateField("To", name="to", validators=[Optional()])

    def range(self) -> tuple[date | None, date | None]:
        """The valid dates of the range; a date typed wrong (or an end before the start) gets
        its message next to its field, keeps what was typed and filters nothing."""
        self.validate()
        for field in (self.date_from, self.date_to):
            if field.errors:
                field.errors[:] = ["Enter a date like 2026-03-31."]
        start = None if self.date_from.errors else self.date_from.data
        end = None if self.date_to.errors else self.date_to.data
        if start and end and end < start:
            self.date_to.errors.append("The end date can't be before the start date.")
            end = None
        return start, end


def _scoped(audience, *columns):
    """SELECT `columns` (a Payment by default) of the payments this audience may see: those of
    its invoices (the shop's; in the portal the customer's), in the portal only the listed
    statuses."""
    query = (select(*(columns or (Payment,))).select_from(Payment).join(Payment.invoice)
             .where(Payment.shop_id == g.shop.id, audience.select(Invoice).whereclause))
    if not audience.may("see_all_customers"):
        query = query.where(Payment.status.in_(LISTED))
    return query


def _start_of(day: date) -> datetime:
    """The first moment of `day` on the shop's calendar."""
    return datetime.combine(day, time(), zone())


def _in_range(query, start: date | None, end: date | None):
    """Payments whose date (the day received; for an online payment not yet received, the day
    it was made, on the shop's calendar) is within start..end, both included."""
    if start:
        query = query.where(or_(Payment.paid_on >= start, and_(
            Payment.paid_on.is_(None), Payment.created_at >= _start_of(start))))
    if end:
        after = date.fromordinal(end.toordinal() + 1)
        query = query.where(or_(Payment.paid_on <= end, and_(
            Payment.paid_on.is_(None), Payment.created_at < _start_of(after))))
    return query


def _newest_first():
    return (func.coalesce(Payment.paid_on, func.date(Payment.created_at)).desc(),
            Payment.id.desc())


def _filters():
    form = PaymentFilters(request.args)
    start, end = form.range()
    params = {"from": start.isoformat() if start else None,
              "to": end.isoformat() if end else None}
    return form, start, end, {key: value for key, value in params.items() if value}


@routes.route("/payments")
def index(audience):
    """The payments, newest first, 25 to a page, narrowed to a date range; each row opens its
    receipt (the console's with the customer)."""
    form, start, end, params = _filters()
    query = _in_range(_scoped(audience), start, end).order_by(*_newest_first())
    loading = contains_eager(Payment.invoice)
    if audience.may("see_all_customers"):
        loading = loading.joinedload(Invoice.customer)
    page = paginate(query.options(loading), PER_PAGE)
    return render("payments/index.html", audience=audience, page=page, form=form,
                  params=params, filtered=bool(start or end), number=receipt_number,
                  STATUS=STATUS_LABELS, BADGES=BADGES)


def _money(cents: int) -> str:
    """Cents as a plain amount for a spreadsheet: 1234.50 (negative with a minus sign)."""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{part:02d}"


@routes.route("/payments/export.csv")
def export(audience):
    """Export CSV: the list's payments (its date range, every page), read in batches and
    streamed as they are written."""
    _, start, end, _ = _filters()
    console_side = audience.may("see_all_customers")
    columns = [Payment.id, Payment.paid_on, Payment.created_at, Invoice.number,
               Asset.unit_number, Invoice.po_number, Payment.method, Payment.reference,
               Payment.amount_cents, Payment.refunded_cents, Payment.status]
    query = _scoped(audience, *columns).outerjoin(Invoice.asset)
    if console_side:
        query = query.join(Invoice.customer).add_columns(Customer.name)
    query = _in_range(query, start, end).order_by(*_newest_first()) \
        .execution_options(yield_per=EXPORT_BATCH)
    header = ["Receipt number", "Date", "Invoice number", "Unit number", "PO number", "Method",
              "Reference", "Amount", "Refunded", "Status"] + (["Customer"] if console_side else [])
    shop = g.shop

    def rows():
        for row in db.session.execute(query):
            received = row.paid_on or local(row.created_at, shop).date()
            yield [f"R-{row.number}-{row.id}", received.isoformat(), row.number,
                   row.unit_number, row.po_number, Payment.METHODS[row.method], row.reference,
                   _money(row.amount_cents), _money(row.refunded_cents),
                   STATUS_LABELS[row.status]] + ([row.name] if console_side else [])

    stamp = "-".join(part for part in (start and start.isoformat(), end and end.isoformat())
                     if part) or today().isoformat()
    return csv_response(f"payments-{shop.slug}-{stamp}.csv", header, rows())


def load(audience, payment_id: int) -> Payment:
    """The payment with its invoice (and in the console the customer), or 404."""
    loading = contains_eager(Payment.invoice)
    options = [loading.joinedload(Invoice.asset)]
    if audience.may("see_all_customers"):
        options.append(loading.joinedload(Invoice.customer))
    return first_or_404(_scoped(audience).where(Payment.id == payment_id).options(*options))


def _paid_together(audience, payment: Payment) -> list[Payment]:
    """The other payments of the same Stripe checkout (one payment paid several invoices)."""
    if payment.stripe_checkout_session_id is None:
        return []
    return db.session.scalars(
        _scoped(audience).where(
            Payment.stripe_checkout_session_id == payment.stripe_checkout_session_id,
            Payment.stripe_account_id == payment.stripe_account_id, Payment.id != payment.id)
        .options(contains_eager(Payment.invoice)).order_by(Payment.id)).all()


def _context(audience, payment: Payment) -> dict:
    invoice = payment.invoice
    recorded_by = None
    if audience.may("see_all_customers") and payment.recorded_by_id is not None:
        recorded_by = db.session.get(StaffUser, payment.recorded_by_id)
    return {"audience": audience, "payment": payment, "invoice": invoice,
            "customer": invoice.customer, "number": receipt_number(payment),
            "together": _paid_together(audience, payment), "recorded_by": recorded_by,
            "status_label": STATUS_LABELS[payment.status], "badge": BADGES[payment.status],
            "today": today(), "receipt_number": receipt_number}


@routes.route("/payments/<int:payment_id>")
def receipt(audience, payment_id: int):
    """The payment's page: a receipt once the money is in (amount, method, date, the invoice
    it paid and what remains due on it), otherwise what became of it."""
    return render("payments/receipt.html", **_context(audience, load(audience, payment_id)))


def _received(audience, payment_id: int) -> Payment:
    """Only money received has a receipt on paper."""
    payment = load(audience, payment_id)
    if payment.status != "succeeded":
        abort(404)
    return payment


@routes.route("/payments/<int:payment_id>/print")
def receipt_print(audience, payment_id: int):
    """The receipt on paper: no navigation, a print stylesheet."""
    payment = _received(audience, payment_id)
    return render("payments/receipt_print.html",
                  back=audience.url("payments.receipt", payment_id=payment.id),
                  pdf_url=audience.url("payments.receipt_pdf", payment_id=payment.id),
                  **_context(audience, payment))


@routes.route("/payments/<int:payment_id>/pdf")
def receipt_pdf(audience, payment_id: int):
    """Download PDF: the print view rendered by WeasyPrint, named by the receipt number."""
    payment = _received(audience, payment_id)
    context = _context(audience, payment)
    return pdf_response("payments/receipt_print.html", f"receipt-{context['number']}.pdf",
                        shop=g.shop, back=audience.url("payments.receipt",
                                                       payment_id=payment.id), **context)
