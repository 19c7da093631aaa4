"""Talking to Stripe: the client, the connected account's status, Checkout Sessions.

Every call names the shop's connected account (the Stripe-Account header) and turns the
library's errors into StripeUnavailable with a sentence a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import stripe
from flask import current_app

from portal_app.models import PaymentSettings, utcnow

# Failure codes meaning "this bank account cannot be used for ACH": offer card instead.
ACH_UNUSABLE_CODES = frozenset({
    "bank_account_unusable", "bank_account_restricted", "bank_account_frozen",
    "bank_account_closed", "account_closed", "bank_account_invalid_details", "no_account",
    "account_number_invalid", "debit_not_authorized", "tokenized_account_number_deactivated",
    "payment_method_bank_account_blocked", "bank_account_declined",
    "financial_connections_account_inactive", "bank_account_verification_failed",
})

DISABLED_REASONS = {
    "requirements.pending_verification": "Stripe is verifying your documents",
    "requirements.past_due": "Stripe needs information",
    "under_review": "Your account is under review by Stripe",
    "platform_paused": "Payments are paused by the platform",
    "listed": "Your account is under review by Stripe",
    "action_required.requested_capabilities": "Stripe needs you to request payment capabilities",
}

STATE_LABELS = {
    "not_connected": "Not connected",
    "active": "Active",
    "payouts_suspended": "Payouts suspended",
    "restricted": "Restricted",
    "pending_verification": "Pending verification",
    "rejected": "Rejected",
}


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the request; str() is for people."""


def configured() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    """The app's StripeClient (pointed at STRIPE_API_BASE when set, e.g. the test fake)."""
    found = current_app.extensions.get("stripe_client")
    if found is None:
        config = current_app.config
        base = config.get("STRIPE_API_BASE") or None
        found = stripe.StripeClient(
            config["STRIPE_SECRET_KEY"],
            base_addresses={"api": base} if base else None,
            max_network_retries=int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
            http_client=stripe.new_default_http_client(
                timeout=float(config.get("STRIPE_TIMEOUT", 10))),
        )
        current_app.extensions["stripe_client"] = found
    return found


def _describe(error: Exception) -> str:
    if isinstance(error, stripe.APIConnectionError):
        return "Stripe could not be reached. Nothing was charged; please try again in a minute."
    if isinstance(error, stripe.AuthenticationError):
        return "The portal's Stripe keys were refused. Ask the shop to check its settings."
    if isinstance(error, stripe.PermissionError):
        return "Stripe refused access to this account. Check that it is connected to the portal."
    if isinstance(error, stripe.RateLimitError):
        return "Stripe is busy. Nothing was charged; please try again in a minute."
    if isinstance(error, stripe.InvalidRequestError) and error.code == "resource_missing":
        return "Stripe does not know this account or payment."
    if isinstance(error, stripe.StripeError):
        return ("Stripe could not start the payment. Nothing was charged; please try again "
                "in a minute.")
    return "Stripe could not be reached. Nothing was charged; please try again in a minute."


def call(fn, *args, **kwargs):
    """Run a library call, translating every Stripe error into StripeUnavailable."""
    if not configured():
        raise StripeUnavailable("Online payment is not set up for this portal.")
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as error:
        current_app.logger.warning("stripe call failed: %s", error)
        raise StripeUnavailable(_describe(error)) from error


@dataclass(frozen=True)
class AccountStatus:
    state: str
    disabled_reason: str | None
    currently_due: tuple[str, ...]
    current_deadline: datetime | None
    card_active: bool
    ach_active: bool


def account_status(account) -> AccountStatus:
    """Read Stripe's Account object the way PAYMENTS.md's table says."""
    requirements = _get(account, "requirements") or {}
    capabilities = _get(account, "capabilities") or {}
    reason = _get(requirements, "disabled_reason")
    charges = bool(_get(account, "charges_enabled"))
    payouts = bool(_get(account, "payouts_enabled"))
    if reason and reason.startswith("rejected."):
        state = "rejected"
    elif charges and payouts:
        state = "active"
    elif charges:
        state = "payouts_suspended"
    elif reason == "requirements.pending_verification":
        state = "pending_verification"
    else:
        state = "restricted"
    deadline = _get(requirements, "current_deadline")
    return AccountStatus(
        state=state, disabled_reason=reason,
        currently_due=tuple(_get(requirements, "currently_due") or ()),
        current_deadline=datetime.fromtimestamp(deadline, timezone.utc) if deadline else None,
        card_active=_get(capabilities, "card_payments") == "active",
        ach_active=_get(capabilities, "us_bank_account_ach_payments") == "active",
    )


def _get(obj, key):
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    return obj.get(key) if hasattr(obj, "get") else getattr(obj, key, None)


def store_status(settings: PaymentSettings, status: AccountStatus) -> None:
    settings.stripe_state = status.state
    settings.stripe_disabled_reason = status.disabled_reason
    settings.stripe_currently_due = ",".join(status.currently_due) or None
    settings.stripe_current_deadline = status.current_deadline
    settings.stripe_card_active = status.card_active
    settings.stripe_ach_active = status.ach_active
    settings.stripe_checked_at = utcnow()


def refresh_account(settings: PaymentSettings) -> AccountStatus:
    """Fetch the connected account from Stripe and store its status (caller commits)."""
    account = call(client().v1.accounts.retrieve, settings.stripe_account_id)
    status = account_status(account)
    store_status(settings, status)
    return status


def reason_in_words(settings: PaymentSettings) -> str | None:
    """Why the account is not Active, in Stripe's terms but plain words."""
    reason = settings.stripe_disabled_reason
    due = (settings.stripe_currently_due or "").replace(",", ", ")
    if not reason:
        if settings.stripe_state == "payouts_suspended":
            return "Stripe has paused payouts" + (f"; it needs: {due}" if due else "")
        return None
    if reason.startswith("rejected."):
        return "Stripe rejected the account (" + reason.split(".", 1)[1].replace("_", " ") + ")"
    words = DISABLED_REASONS.get(reason, reason.replace("_", " ").replace(".", ": "))
    if reason == "requirements.past_due" and due:
        words += f": {due}"
    return words


def payment_methods(settings: PaymentSettings) -> list[str]:
    """What customers may pay with now: [] unless the account is Active."""
    if not configured() or settings.stripe_state != "active" or not settings.stripe_account_id:
        return []
    methods = ["card"] if settings.stripe_card_active else []
    if settings.bank_transfer_enabled and settings.stripe_ach_active:
        methods.append("ach")
    return methods


def create_account(params: dict, *, idempotency_key: str):
    """Create a connected account on the platform (no Stripe-Account header)."""
    return call(client().v1.accounts.create, params,
                options={"idempotency_key": idempotency_key})


def create_account_link(settings: PaymentSettings, *, refresh_url: str, return_url: str) -> str:
    """A new onboarding link for the shop's own account: single-use, expires within minutes,
    so it is made on demand and never stored."""
    link = call(client().v1.account_links.create, {
        "account": settings.stripe_account_id, "refresh_url": refresh_url,
        "return_url": return_url, "type": "account_onboarding",
        "collection_options": {"fields": "currently_due"}})
    return link.url


def create_checkout_session(*, account: str, params: dict, idempotency_key: str):
    return call(client().v1.checkout.sessions.create, params,
                options={"stripe_account": account, "idempotency_key": idempotency_key})


def retrieve_checkout_session(account: str, session_id: str):
    return call(client().v1.checkout.sessions.retrieve, session_id,
                options={"stripe_account": account})


def retrieve_payment_intent(account: str, intent_id: str):
    return call(client().v1.payment_intents.retrieve, intent_id,
                options={"stripe_account": account})


def retrieve_charge(account: str, charge_id: str):
    return call(client().v1.charges.retrieve, charge_id, options={"stripe_account": account})


def is_ach_unusable(code: str | None) -> bool:
    return bool(code) and (code in ACH_UNUSABLE_CODES
                           or code.startswith("payment_method_microdeposit"))
