"""Online payment: start a Stripe Checkout for one or more invoices, and apply what Stripe says.

Stripe's word arrives by webhook, by the return page (which re-reads the session) and by
`flask stripe sync`; all three go through apply_session(), which moves a payment only forward
with a conditional UPDATE, so duplicate, concurrent and out-of-order news end in one state and
one receipt. Every change to payments ends with invoice_balances.recompute() of their invoices,
in the same transaction, so the invoices' stored balances and status move with them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal_app.mail.emails import portal_link, queue_email
from portal_app.extensions import db
from portal_app.models import Contact, Invoice, Payment, utcnow
from portal_app.services import inbox, notifications, stripe_gateway
from portal_app.services.invoice_balances import recompute, recompute_for_payments
from portal_app.services.invoices import money, payment_settings, today
from portal_app.services.stripe_gateway import StripeUnavailable

STRIPE_METHOD = {"card": "card", "ach": "us_bank_account"}

# Which earlier statuses each outcome may replace: payments only move forward.
FORWARD = {
    "processing": ("pending",),
    "succeeded": ("pending", "processing"),
    "failed": ("pending", "processing"),
    "canceled": ("pending",),
}


class PaymentRefused(Exception):
    """The payment cannot start; str() tells the customer why and what to do."""


def why_not_payable(invoice: Invoice) -> str | None:
    status = invoice.status_on(today())
    if status == "paid":
        return f"Invoice {invoice.number} is already paid."
    if status == "void":
        return f"Invoice {invoice.number} was voided and cannot be paid."
    if status == "draft":
        return f"Invoice {invoice.number} cannot be paid yet."
    if status == "processing" or invoice.payable_cents <= 0:
        return (f"A bank payment for invoice {invoice.number} is already processing. "
                "It usually clears within 4 business days.")
    return None


def start_checkout(invoices: list[Invoice], method: str, contact: Contact) -> str:
    """Return the Stripe Checkout URL that pays these invoices' amounts due with `method`.

    An open session for the same invoices, amounts and method is reused; otherwise a new one is
    created with an idempotency key per invoices, amounts, method and attempt, so a double click
    (even two concurrent requests) gets the same session and one set of payment rows.
    """
    for invoice in invoices:
        problem = why_not_payable(invoice)
        if problem:
            raise PaymentRefused(problem)
    if len({invoice.currency for invoice in invoices}) > 1:
        raise PaymentRefused("These invoices are in different currencies: pay them one by one.")
    shop = invoices[0].shop
    settings = payment_settings(shop)
    if settings.stripe_state == "active" and settings.stripe_account_id:
        stripe_gateway.refresh_account(settings)  # PAYMENTS.md: refresh before a checkout
        db.session.commit()
    if method not in stripe_gateway.payment_methods(settings):
        raise PaymentRefused("This payment method isn't available right now.")
    account = settings.stripe_account_id
    wanted = {invoice.id: invoice.payable_cents for invoice in invoices}
    reused = _open_session_url(wanted, method, account)
    if reused:
        return reused
    _cancel_other_attempts(list(wanted))
    session = stripe_gateway.create_checkout_session(
        account=account, params=_session_params(invoices, method, contact),
        idempotency_key=_idempotency_key(wanted, method, account))
    expires = getattr(session, "expires_at", None)
    for invoice in invoices:
        db.session.add(Payment(
            shop_id=shop.id, invoice_id=invoice.id, amount_cents=wanted[invoice.id],
            method=method, status="pending", contact_id=contact.id,
            stripe_account_id=account, stripe_checkout_session_id=session.id,
            stripe_checkout_url=session.url, stripe_checkout_expires_at=_timestamp(expires)))
    try:
        recompute(wanted)  # pending payments change no figure, but every change recomputes
        db.session.commit()
    except IntegrityError:  # a concurrent click stored the same (replayed) session first
        db.session.rollback()
    return session.url


def _open_session_url(wanted: dict[int, int], method: str, account: str) -> str | None:
    """The URL of a pending, unexpired session on `account` covering exactly these invoices
    and amounts (a session on the shop's former account is never offered again)."""
    soon = utcnow() + timedelta(minutes=5)
    candidates = db.session.scalars(
        select(Payment.stripe_checkout_session_id)
        .where(Payment.invoice_id.in_(wanted), Payment.status == "pending",
               Payment.method == method, Payment.stripe_account_id == account,
               Payment.stripe_checkout_expires_at > soon)
        .distinct()).all()
    for session_id in candidates:
        rows = db.session.scalars(select(Payment).where(
            Payment.stripe_checkout_session_id == session_id)).all()
        if {p.invoice_id: p.amount_cents for p in rows} == wanted and \
                all(p.status == "pending" for p in rows):
            return rows[0].stripe_checkout_url
    return None


def _open_sessions(*where) -> list[tuple[str, str | None]]:
    """(session id, account) of the pending Checkout Sessions among payments matching where."""
    return db.session.execute(
        select(Payment.stripe_checkout_session_id, Payment.stripe_account_id)
        .where(Payment.status == "pending", Payment.stripe_checkout_session_id.is_not(None),
               *where).distinct()).all()


def expire_sessions(sessions: list[tuple[str, str | None]]) -> list[str]:
    """Expire these open sessions at Stripe, each on the account it was created on, so that
    nobody pays twice; a session completed meanwhile is applied instead. Commits after each
    session; returns the ids of those that turned out complete. When Stripe cannot be asked,
    the session stays as it is: still payable, and applied when Stripe tells us."""
    completed = []
    for session_id, account in sessions:
        try:
            stripe_gateway.call(stripe_gateway.client().v1.checkout.sessions.expire, session_id,
                                options={"stripe_account": account})
        except StripeUnavailable:
            # Expired already, or completed meanwhile: ask Stripe which, and apply it.
            try:
                session = stripe_gateway.retrieve_checkout_session(account, session_id)
            except StripeUnavailable:
                db.session.rollback()
                continue
            apply_session(session, account)
            db.session.commit()
            if _get(session, "status") == "complete":
                completed.append(session_id)
            continue
        _move(select(Payment.id).where(Payment.stripe_checkout_session_id == session_id,
                                       Payment.stripe_account_id == account), "canceled")
        db.session.commit()
    return completed


def expire_sessions_of_former_account(shop_id: int, account: str) -> list[str]:
    """The shop connected another Stripe account: expire the open sessions on the old one
    (with the old account's header). What cannot be expired stays payable and is applied."""
    return expire_sessions(_open_sessions(Payment.shop_id == shop_id,
                                          Payment.stripe_account_id == account))


def _cancel_other_attempts(invoice_ids: list[int]) -> None:
    """Expire other open sessions of these invoices at Stripe, so nobody pays twice."""
    if expire_sessions(_open_sessions(Payment.invoice_id.in_(invoice_ids))):
        raise PaymentRefused("A payment for this invoice was just made. "
                             "Refresh the page to see it.")
    db.session.commit()


def _idempotency_key(wanted: dict[int, int], method: str, account: str) -> str:
    attempt = db.session.scalar(
        select(func.count(func.distinct(Payment.stripe_checkout_session_id)))
        .where(Payment.invoice_id.in_(wanted), Payment.status.in_(("failed", "canceled")))) or 0
    invoices = "-".join(f"{invoice_id}x{amount}" for invoice_id, amount in sorted(wanted.items()))
    return f"checkout:{account}:{invoices}:{method}:{attempt}"


def _session_params(invoices: list[Invoice], method: str, contact: Contact) -> dict:
    ids = ",".join(str(invoice.id) for invoice in invoices)
    metadata = {"invoice_ids": ids, "shop_id": str(invoices[0].shop_id),
                "customer_id": str(invoices[0].customer_id)}
    params = {
        "mode": "payment",
        "line_items": [{
            "quantity": 1,
            "price_data": {"currency": invoice.currency, "unit_amount": invoice.payable_cents,
                           "product_data": {"name": f"Invoice {invoice.number}"}},
        } for invoice in invoices],
        "allowed_payment_method_types": [STRIPE_METHOD[method]],
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "client_reference_id": f"shop-{invoices[0].shop_id}-invoices-{ids.replace(',', '-')}",
        "customer_email": contact.email,
        "success_url": portal_link("payments.checkout_return") + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": portal_link("payments.checkout_cancel") + "?session_id={CHECKOUT_SESSION_ID}",
    }
    if method == "ach":
        params["payment_method_options"] = {"us_bank_account": {"verification_method": "instant"}}
    return params


def _timestamp(value):
    return datetime.fromtimestamp(value, timezone.utc) if value else None


def _get(obj, key):
    return stripe_gateway._get(obj, key)


def _move(payment_ids, status: str, **values) -> list[int]:
    """Move payments forward to status; return the ids that actually moved (conditional UPDATE,
    so two concurrent deliveries cannot both move one payment)."""
    moved = []
    for payment_id in db.session.scalars(payment_ids).all():
        result = db.session.execute(
            update(Payment).where(Payment.id == payment_id, Payment.status.in_(FORWARD[status]))
            .values(status=status, updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            moved.append(payment_id)
    recompute_for_payments(moved)
    return moved


def _reload(payment_ids: list[int]) -> list[Payment]:
    """The payments as the database has them now (after conditional UPDATEs)."""
    return db.session.scalars(select(Payment).where(Payment.id.in_(payment_ids))
                              .execution_options(populate_existing=True)).all()


def apply_session(session, account: str, event_type: str | None = None) -> str:
    """Apply a Checkout Session's state to its payments; return what happened, in words."""
    session_id = _get(session, "id")
    # Matched by the account the payment was made on, not the shop's current one: a shop that
    # connected another account still gets what its former account reports.
    payments = db.session.scalars(
        select(Payment).where(Payment.stripe_checkout_session_id == session_id,
                              Payment.stripe_account_id == account)).all()
    if not payments:
        return "no payment of ours"
    if _get(session, "amount_total") != sum(p.amount_cents for p in payments) or \
            (_get(session, "currency") or "").lower() != payments[0].invoice.currency:
        current_app.logger.warning("checkout session %s: amount or currency mismatch", session_id)
        return "amount or currency mismatch: ignored"
    ids = select(Payment.id).where(Payment.stripe_checkout_session_id == session_id,
                                   Payment.stripe_account_id == account)
    intent_id = _get(session, "payment_intent")
    if isinstance(intent_id, str):
        db.session.execute(update(Payment).where(Payment.id.in_(ids))
                           .values(stripe_payment_intent_id=intent_id)
                           .execution_options(synchronize_session=False))
    paid_status = _get(session, "payment_status")
    if event_type == "checkout.session.async_payment_failed":
        return _fail(ids, account, intent_id)
    if event_type == "checkout.session.expired" or _get(session, "status") == "expired":
        return f"canceled {len(_move(ids, 'canceled'))}"
    if paid_status in ("paid", "no_payment_required") or \
            event_type == "checkout.session.async_payment_succeeded":
        return _succeed(ids)
    if _get(session, "status") == "complete":
        if event_type is None and isinstance(intent_id, str):  # sync: ask the PaymentIntent
            intent = stripe_gateway.retrieve_payment_intent(account, intent_id)
            if _get(intent, "status") == "succeeded":
                return _succeed(ids)
            if _get(intent, "status") in ("requires_payment_method", "canceled"):
                return _fail(ids, account, intent_id, intent=intent)
        return f"processing {len(_move(ids, 'processing'))}"
    return "still open"


def _succeed(ids) -> str:
    moved = _move(ids, "succeeded", failure_code=None, failure_message=None)
    for payment in _reload(moved):
        if payment.paid_on is None:  # the day the money arrived, on the shop's calendar
            payment.paid_on = today(payment.invoice.shop)
        send_receipt(payment)
        inbox.payment_moved(payment)
    return f"paid {len(moved)}"


def _fail(ids, account: str, intent_id, intent=None) -> str:
    if intent is None and isinstance(intent_id, str):
        try:
            intent = stripe_gateway.retrieve_payment_intent(account, intent_id)
        except StripeUnavailable:
            intent = None  # the reason can follow with payment_intent.payment_failed
    code, message = failure_reason(intent, account)
    moved = _move(ids, "failed", failure_code=code, failure_message=message)
    for payment in _reload(moved):
        _notify_failure(payment)
        inbox.payment_moved(payment)
    return f"failed {len(moved)} ({code or 'no reason given'})"


def failure_reason(intent, account: str) -> tuple[str | None, str | None]:
    """(code, message) of a failed PaymentIntent. The code is looked for in
    last_payment_error.decline_code and .code and in the latest charge's failure_code (a bank
    return may name itself only on the charge); a code meaning "this bank can't be used for
    ACH" wins, so the customer is offered card."""
    error = _get(intent, "last_payment_error") or {}
    codes = [_get(error, "decline_code"), _get(error, "code")]
    message = _get(error, "message")
    if not any(stripe_gateway.is_ach_unusable(code) for code in codes):
        charge = _get(intent, "latest_charge")
        if isinstance(charge, str):
            try:
                charge = stripe_gateway.retrieve_charge(account, charge)
            except StripeUnavailable:
                charge = None
        codes.append(_get(charge, "failure_code"))
        message = message or _get(charge, "failure_message")
    codes = [code for code in codes if isinstance(code, str) and code][:3]
    code = next((c for c in codes if stripe_gateway.is_ach_unusable(c)), None) or \
        (codes[0] if codes else None)
    return (code[:80] if code else None), (str(message)[:500] if message else None)


def _record_failure(ids, code: str | None, message: str | None) -> None:
    """Keep the reason on payments that failed already (a late or more precise report)."""
    db.session.execute(update(Payment).where(Payment.id.in_(ids), Payment.status == "failed")
                       .values(failure_code=code, failure_message=message)
                       .execution_options(synchronize_session=False))
    recompute_for_payments(ids)


def apply_intent_failure(intent, account: str) -> str:
    """payment_intent.payment_failed: record the reason; a bank payment in flight has failed.
    (A card declined inside an open Checkout page is not the end: the customer may try
    another card there, so a pending payment stays pending.)"""
    ids = _intent_payments(intent, account)
    code, message = failure_reason(intent, account)
    _record_failure(ids, code, message)
    _fail_processing(ids, code, message)
    return f"failure recorded ({code})"


def apply_charge_failure(charge, account: str) -> str:
    """charge.failed: the charge's failure_code (an ACH return code arrives here) is the reason
    of the payment of its PaymentIntent."""
    ids = _intent_payments(charge, account, "payment_intent")
    code = _get(charge, "failure_code")
    code = code[:80] if isinstance(code, str) and code else None
    message = _get(charge, "failure_message")
    message = str(message)[:500] if message else None
    # The charge's code replaces a vaguer one already stored, never an "unusable bank" one.
    _record_failure(ids if stripe_gateway.is_ach_unusable(code)
                    else ids.where(Payment.failure_code.is_(None)), code, message)
    _fail_processing(ids, code, message)
    return f"charge failure recorded ({code})"


def _fail_processing(ids, code: str | None, message: str | None) -> None:
    """The bank payments in flight among `ids` have failed: move them, tell the customer."""
    moved = _move(ids.where(Payment.status == "processing"), "failed", failure_code=code,
                  failure_message=message)
    for payment in _reload(moved):
        _notify_failure(payment)
        inbox.payment_moved(payment)


def apply_refund(charge, account: str) -> str:
    """charge.refunded: the amount due goes back up by what was refunded."""
    remaining = int(_get(charge, "amount_refunded") or 0)
    payments = db.session.scalars(
        select(Payment).where(Payment.id.in_(_intent_payments(charge, account, "payment_intent")))
        .order_by(Payment.id)).all()
    for payment in payments:
        share = min(remaining, payment.amount_cents)
        payment.refunded_cents = share
        remaining -= share
    recompute({payment.invoice_id for payment in payments})
    return f"refund applied to {len(payments)}"


def apply_dispute(dispute, account: str, closed: bool) -> str:
    won = closed and _get(dispute, "status") == "won"
    ids = _intent_payments(dispute, account, "payment_intent")
    db.session.execute(update(Payment).where(Payment.id.in_(ids)).values(disputed=not won)
                       .execution_options(synchronize_session=False))
    recompute_for_payments(ids)
    return "dispute closed" if closed else "dispute flagged"


def _intent_payments(obj, account: str, key: str = "id"):
    return select(Payment.id).where(Payment.stripe_payment_intent_id == _get(obj, key),
                                    Payment.stripe_account_id == account)


def receipt_number(payment: Payment, invoice_number: str | None = None) -> str:
    """The payment's receipt number: its invoice's number and its own id (R-INV-0042-57),
    stable for ever (an invoice with payments keeps its number) and unique in the shop."""
    return f"R-{invoice_number or payment.invoice.number}-{payment.id}"


def send_receipt(payment: Payment) -> list[Contact]:
    """Email the receipt of a succeeded payment, once (receipt_sent_at is set in the same
    conditional update that claims it), with links to its receipt page and PDF; return whom
    it went to. An online payment's goes to the contact who paid, a payment staff recorded
    ("Mark as paid") to the billing contacts who want invoice emails."""
    db.session.flush()  # a payment recorded just now gets its id
    claimed = db.session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.receipt_sent_at.is_(None))
        .values(receipt_sent_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return []
    invoice = payment.invoice
    recipients = _payment_recipients(payment)
    for contact in recipients:
        queue_email("payment_receipt" if payment.via_stripe else "payment_recorded",
                    recipient=contact.email, shop=invoice.shop,
                    contact=contact, invoice=invoice, payment=payment,
                    number=receipt_number(payment),
                    amount=money(payment.amount_cents, invoice.currency),
                    still_due=money(invoice.owed_cents, invoice.currency),
                    link=portal_link("payments.receipt", payment_id=payment.id,
                                     shop=invoice.shop),
                    pdf_link=portal_link("payments.receipt_pdf", payment_id=payment.id,
                                         shop=invoice.shop),
                    invoice_link=portal_link("invoices.detail", invoice_id=invoice.id,
                                             shop=invoice.shop))
    return recipients


def _notify_failure(payment: Payment) -> None:
    invoice = payment.invoice
    for contact in _payment_recipients(payment):
        queue_email("payment_failed", recipient=contact.email, shop=invoice.shop,
                    contact=contact, invoice=invoice, payment=payment,
                    amount=money(payment.amount_cents, invoice.currency),
                    bank_unusable=stripe_gateway.is_ach_unusable(payment.failure_code),
                    link=portal_link("invoices.detail", invoice_id=invoice.id,
                                     shop=invoice.shop))


def _payment_recipients(payment: Payment) -> list[Contact]:
    """The contact who paid (when they still have access: then as they chose), else the
    customer's billing contacts who have access and want invoice emails."""
    invoice = payment.invoice
    if payment.contact_id is not None:
        contact = db.session.get(Contact, payment.contact_id)
        if contact is not None and not contact.portal_disabled and \
                contact.portal_state == "active":
            return notifications.recipients(invoice.shop_id, invoice.customer_id, "invoices",
                                            contact_ids=[contact.id])
    return notifications.recipients(invoice.shop_id, invoice.customer_id, "invoices",
                                    billing_only=True)


def failure_advice(payment: Payment | None) -> str | None:
    """What the customer reads about their last failed bank payment."""
    if payment is None:
        return None
    if stripe_gateway.is_ach_unusable(payment.failure_code):
        return ("Your bank can't be used for bank transfers (ACH) through Stripe, so the "
                f"payment of {money(payment.amount_cents)} did not go through. Nothing was "
                "taken from your account. You can pay by card instead.")
    if payment.failure_code == "insufficient_funds":
        return (f"Your bank returned the payment of {money(payment.amount_cents)} for "
                "insufficient funds. You can try again or pay by card.")
    return (f"The payment of {money(payment.amount_cents)} did not go through"
            + (f" ({payment.failure_message})" if payment.failure_message else "")
            + ". You can try again or pay by card.")


def sync_open_payments() -> list[str]:
    """Reconcile with Stripe every Checkout Session whose payments are pending or processing
    (webhooks lost or late). Returns one line per session; a Stripe failure is reported and the
    next session is tried."""
    rows = db.session.execute(
        select(Payment.stripe_checkout_session_id, Payment.stripe_account_id)
        .where(Payment.status.in_(("pending", "processing")),
               Payment.stripe_checkout_session_id.is_not(None),
               Payment.stripe_account_id.is_not(None))
        .distinct().order_by(Payment.stripe_checkout_session_id)).all()
    results = []
    for session_id, account in rows:
        try:
            session = stripe_gateway.retrieve_checkout_session(account, session_id)
            outcome = apply_session(session, account)
            db.session.commit()
        except StripeUnavailable as problem:
            db.session.rollback()
            outcome = f"not checked: {problem}"
        results.append(f"{session_id}: {outcome}")
    return results
