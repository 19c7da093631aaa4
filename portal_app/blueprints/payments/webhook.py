"""POST /webhooks/stripe: verify the signature, apply each event once, answer fast."""

from __future__ import annotations

import json

import stripe
from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal_app.blueprints.payments import webhooks
from portal_app.extensions import db, limiter
from portal_app.models import PaymentSettings, StripeEvent
from portal_app.services import payments, stripe_gateway
from portal_app.services.stripe_gateway import StripeUnavailable

SESSION_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded",
                  "checkout.session.async_payment_failed", "checkout.session.expired"}


@webhooks.post("/stripe")
@limiter.exempt
def stripe_events():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return "webhook secret not configured", 400
    payload = request.get_data()
    header = request.headers.get("Stripe-Signature", "")
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), header, secret,
                                              stripe.Webhook.DEFAULT_TOLERANCE)
    except (UnicodeDecodeError, stripe.SignatureVerificationError):
        return "bad signature", 400
    try:
        well_formed = _well_formed(json.loads(payload))
    except ValueError:
        well_formed = False
    if not well_formed:
        return "malformed event", 400
    event = stripe.Webhook.construct_event(payload, header, secret)
    account = getattr(event, "account", None)
    # The event id is the first write: a second delivery (even a concurrent one) hits the
    # primary key and is answered 200 without doing anything again.
    record = StripeEvent(id=event.id, type=event.type, account=account)
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "already processed", 200
    try:
        record.outcome = apply_event(event, account)[:200]
    except StripeUnavailable:
        db.session.rollback()  # forget the event id too: Stripe retries later
        return "stripe unavailable, retry later", 503
    db.session.commit()
    return record.outcome, 200


def _well_formed(data) -> bool:
    """A signed body is still only trusted as far as its shape: an event object with an id,
    a type and data.object, as Stripe sends them."""
    if not isinstance(data, dict):
        return False
    ident, kind, body = data.get("id"), data.get("type"), data.get("data")
    account, created = data.get("account"), data.get("created", 0)
    return (isinstance(ident, str) and 0 < len(ident) <= 255
            and isinstance(kind, str) and 0 < len(kind) <= 80
            and isinstance(body, dict) and isinstance(body.get("object"), dict)
            and (account is None or (isinstance(account, str) and len(account) <= 64))
            and isinstance(created, int) and not isinstance(created, bool))


def apply_event(event, account: str | None) -> str:
    obj = event.data.object
    kind = event.type
    if not account:
        return "not a connected-account event: ignored"
    if kind in SESSION_EVENTS:
        return payments.apply_session(obj, account, kind)
    if kind == "payment_intent.payment_failed":
        return payments.apply_intent_failure(obj, account)
    if kind == "charge.failed":
        return payments.apply_charge_failure(obj, account)
    if kind == "charge.refunded":
        return payments.apply_refund(obj, account)
    if kind in ("charge.dispute.created", "charge.dispute.closed"):
        return payments.apply_dispute(obj, account, closed=kind.endswith("closed"))
    if kind in ("account.updated", "capability.updated"):
        settings = db.session.scalar(
            select(PaymentSettings).where(PaymentSettings.stripe_account_id == account))
        if settings is None:
            return "unknown account"
        checked = settings.stripe_checked_at
        if kind == "account.updated":
            if checked is not None and event.created < int(checked.timestamp()):
                return "older than the status we have: ignored"
            stripe_gateway.store_status(settings, stripe_gateway.account_status(obj))
        else:
            stripe_gateway.refresh_account(settings)
        return f"account status {settings.stripe_state}"
    return "ignored"
