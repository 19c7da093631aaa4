"""Portal invoice pages. Status is computed from the invoice and its payments on every request."""

from __future__ import annotations

from flask import g, request
from sqlalchemy.orm import joinedload, selectinload

from portal_app.web.audience import PORTAL
from portal_app.blueprints.invoices import bp
from portal_app.models import Invoice
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render
from portal_app.services import stripe_gateway
from portal_app.services.invoices import (
    list_order,
    open_summary,
    payment_settings,
)
from portal_app.clock import today
from portal_app.services.payments import failure_advice

FILTERS = ("unpaid", "overdue", "processing", "paid", "void")
PER_PAGE = 25


def portal_invoices():
    """The current customer's invoices, drafts excluded."""
    return PORTAL.select(Invoice)


def portal_invoice_or_404(invoice_id: int, *options) -> Invoice:
    """One of the current customer's invoices (drafts excluded), or 404."""
    return PORTAL.get_or_404(Invoice, invoice_id, *options)


@bp.get("")
def index():
    """The customer's invoices, newest first, filtered by status."""
    wanted = request.args.get("status", "")
    wanted = wanted if wanted in FILTERS else ""
    day = today()

    query = PORTAL.select(Invoice)
    if wanted:
        query = query.where(Invoice.status_is(wanted, day))
    page = paginate(query.order_by(*list_order(wanted, Invoice.issued_on.desc(),
                                               Invoice.id.desc())), PER_PAGE)
    methods = stripe_gateway.payment_methods(payment_settings(g.shop))
    return render("invoices/index.html", "results", page=page, wanted=wanted, today=day,
                  methods=methods, filters=FILTERS)


def _detail_context(invoice: Invoice) -> dict:
    settings = payment_settings(g.shop)
    methods = stripe_gateway.payment_methods(settings)
    last = invoice.payments[-1] if invoice.payments else None
    failed = last if last is not None and last.status == "failed" else None
    return {"invoice": invoice, "today": today(), "methods": methods, "settings": settings,
            "failed_payment": failed, "advice": failure_advice(failed),
            "bank_unusable": failed is not None and failed.method == "ach"
            and stripe_gateway.is_ach_unusable(failed.failure_code),
            "payments": [p for p in invoice.payments if p.status not in ("pending", "canceled")]}


def load(invoice_id: int) -> Invoice:
    """One of the customer's invoices with its unit, lines and payments."""
    return portal_invoice_or_404(invoice_id, joinedload(Invoice.asset),
                                 selectinload(Invoice.lines), selectinload(Invoice.payments))


@bp.get("/<int:invoice_id>")
def detail(invoice_id: int):
    """One invoice: lines, payments, amount due and how to pay it."""
    return render("invoices/detail.html", **_detail_context(load(invoice_id)))


@bp.get("/<int:invoice_id>/print")
def print_view(invoice_id: int):
    """The invoice on paper: no navigation, a print stylesheet."""
    invoice = load(invoice_id)
    payments = [p for p in invoice.payments if p.status == "succeeded"]
    return render("invoices/print.html", invoice=invoice, today=today(), payments=payments)


def open_invoice_summary() -> dict:
    """Counts and amounts for the dashboard card, in one query."""
    return open_summary(g.shop.id, g.customer.id)
