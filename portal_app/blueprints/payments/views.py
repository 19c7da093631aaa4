"""Pay one invoice or several in one Stripe Checkout; say what happened on return."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal_app.web.audience import PORTAL
from portal_app.blueprints.payments import bp
from portal_app.extensions import db, limiter
from portal_app.web.ids import parse_id
from portal_app.models import Invoice, Payment
from portal_app.web.rendering import render, see_other
from portal_app.services import payments, stripe_gateway
from portal_app.clock import today
from portal_app.services.stripe_gateway import StripeUnavailable

MAX_INVOICES_PER_CHECKOUT = 20


def _checkout(invoices: list[Invoice], back: str):
    method = request.form.get("method", "")
    if method not in payments.STRIPE_METHOD:
        flash("Choose how to pay.", "error")
        return see_other(back)
    try:
        url = payments.start_checkout(invoices, method, g.contact)
    except (payments.PaymentRefused, StripeUnavailable) as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return see_other(back)
    return redirect(url, 303)


@bp.post("/invoices/<int:invoice_id>/pay")
@limiter.limit("20 per minute")
def pay_invoice(invoice_id: int):
    """"Pay by card" / "Pay by bank transfer (ACH)": 303 to Stripe Checkout."""
    invoice = PORTAL.get_or_404(Invoice, invoice_id)
    return _checkout([invoice], url_for("invoices.detail", invoice_id=invoice.id))


@bp.post("/invoices/pay")
@limiter.limit("20 per minute")
def pay_many():
    """Pay the invoices ticked on the list in one checkout."""
    back = url_for("invoices.index")
    parsed = {parse_id(value) for value in request.form.getlist("invoice")}
    if None in parsed:
        abort(404)  # not an id: no invoice of the customer's has it
    ids = sorted(parsed)
    if not ids:
        flash("Tick the invoices you want to pay.", "error")
        return see_other(back)
    if len(ids) > MAX_INVOICES_PER_CHECKOUT:
        flash(f"Pay at most {MAX_INVOICES_PER_CHECKOUT} invoices at once.", "error")
        return see_other(back)
    invoices = db.session.scalars(PORTAL.select(Invoice).where(Invoice.id.in_(ids))
                                  .order_by(Invoice.id)).all()
    if len(invoices) != len(ids):
        abort(404)
    return _checkout(list(invoices), back)


def _session_payments() -> list[Payment]:
    """The current customer's payments of the Checkout Session named in ?session_id=."""
    session_id = request.args.get("session_id", "")[:255]
    found = db.session.scalars(
        select(Payment).join(Payment.invoice)
        .where(Payment.stripe_checkout_session_id == session_id,
               Invoice.id.in_(PORTAL.select(Invoice).with_only_columns(Invoice.id)))
        .options(selectinload(Payment.invoice)).order_by(Payment.invoice_id)).all()
    if not session_id or not found:
        abort(404)
    return found


@bp.get("/payments/return")
def checkout_return():
    """Back from Checkout. The URL proves nothing: ask Stripe for the session's state."""
    found = _session_payments()
    account = found[0].stripe_account_id  # the session lives where it was created
    problem = None
    try:
        session = stripe_gateway.retrieve_checkout_session(account,
                                                           found[0].stripe_checkout_session_id)
        payments.apply_session(session, account, "checkout.session.completed"
                               if session.status == "complete" else None)
        db.session.commit()
    except StripeUnavailable as error:
        db.session.rollback()
        problem = str(error)
    for payment in found:
        db.session.refresh(payment)
    return render("payments/result.html", payments=found, problem=problem, today=today(),
                  canceled=False)


@bp.get("/payments/cancel")
def checkout_cancel():
    """The customer left Checkout without paying."""
    return render("payments/result.html", payments=_session_payments(), problem=None,
                  today=today(), canceled=True)
