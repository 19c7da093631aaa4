"""The shop's connected Stripe account: created by the platform, finished on Stripe's onboarding
pages (Account Links), or attached by an operator at the command line. No browser route takes
an account id: one typed by a shop could be another shop's account (PAYMENTS.md, "Creating the
shop's account")."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import stripe
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.mail.emails import portal_link
from portal_app.models import PaymentSettings, Shop
from portal_app.services import stripe_gateway
from portal_app.services.invoices import saved_payment_settings
from portal_app.services.stripe_gateway import AccountStatus, StripeUnavailable

ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9]{1,59}")

# Errors after which Stripe may answer the same request a minute later: the request was fine.
_TRANSIENT = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)


class AttachRefused(Exception):
    """The operator's account id cannot be attached; str() says why."""


def account_params(shop: Shop, email: str) -> dict:
    """The connected account as PAYMENTS.md describes it: the shop keeps a full Stripe dashboard,
    pays its own fees, Stripe owns payment losses and collects the requirements."""
    return {
        "email": email, "country": "US", "business_profile": {"name": shop.name},
        "controller": {"stripe_dashboard": {"type": "full"}, "fees": {"payer": "account"},
                       "losses": {"payments": "stripe"}, "requirement_collection": "stripe"},
        "metadata": {"shop_id": str(shop.id), "shop_slug": shop.slug},
    }


def _idempotency_key(shop: Shop, params: dict) -> str:
    # Tied to the shop, so a double click or a second tab gets the same account back; the
    # parameters' digest keeps a changed shop name from being an IdempotencyError.
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    return f"connect-account:shop-{shop.id}:{digest}"


def _in_setup_words(problem: StripeUnavailable, what: str) -> StripeUnavailable:
    """The gateway's sentence speaks of payments; say what it means for setting up."""
    error = problem.__cause__
    if error is None or isinstance(error, stripe.AuthenticationError):
        return problem  # Stripe not configured, or the portal's keys refused: said as it is
    if isinstance(error, _TRANSIENT):
        return StripeUnavailable(f"Stripe could not be reached, so {what}. "
                                 "Please try again in a minute.")
    said = getattr(error, "user_message", None) or "no reason given"
    return StripeUnavailable(f"Stripe refused the request, so {what} ({said}). "
                             "Tell whoever runs the portal.")


def setup_unfinished(settings: PaymentSettings) -> bool:
    """The shop has an account and Stripe still needs something: offer "Continue setup"."""
    return bool(settings.stripe_account_id) and (
        settings.stripe_state != "active" or bool(settings.stripe_currently_due))


def ensure_account(shop: Shop, email: str) -> PaymentSettings:
    """The shop's payment settings with its connected account, created at Stripe on first use
    and stored on the shop at once (caller commits). Raises StripeUnavailable.

    Nothing is written before Stripe answers, so no write transaction waits on Stripe (SQLite
    has one writer at a time). A second tab finds the account stored, or asks Stripe with the
    same idempotency key and gets the same account back; on PostgreSQL a saved settings row is
    locked first, so the second tab waits for the first one's commit."""
    settings = db.session.get(PaymentSettings, shop.id, with_for_update=True)
    if settings is not None and settings.stripe_account_id:
        return settings
    params = account_params(shop, email)
    try:
        account = stripe_gateway.create_account(params,
                                                idempotency_key=_idempotency_key(shop, params))
    except StripeUnavailable as problem:
        raise _in_setup_words(problem, "online payments are not set up yet") from problem
    saved_payment_settings(shop)
    settings = db.session.get(PaymentSettings, shop.id, with_for_update=True,
                              populate_existing=True)
    if settings.stripe_account_id:  # another tab stored it meanwhile
        return settings
    settings.stripe_account_id = account.id
    stripe_gateway.store_status(settings, stripe_gateway.account_status(account))
    db.session.flush()
    return settings


def onboarding_link(settings: PaymentSettings) -> str:
    """A new Account Link for the shop's own account. Raises StripeUnavailable."""
    try:
        return stripe_gateway.create_account_link(
            settings, refresh_url=portal_link("staff.stripe_setup_again"),
            return_url=portal_link("staff.stripe_setup_return"))
    except StripeUnavailable as problem:
        raise _in_setup_words(problem, "Stripe's setup pages could not be opened") from problem


@dataclass(frozen=True)
class Attached:
    former: str | None  # the account the shop had before, if another one
    status: AccountStatus | None  # None: Stripe could not be asked
    warning: str | None


def attach(shop: Shop, account_id: str) -> Attached:
    """The operator attaches an account the platform already owns to the shop (caller commits).
    Refused for an id that is malformed, another shop's, or unknown to Stripe; when Stripe
    cannot be reached the account is attached and its status left for Refresh status."""
    if not ACCOUNT_ID.fullmatch(account_id):
        raise AttachRefused(f"{account_id!r} is not a Stripe account id (acct_...).")
    owner = db.session.scalar(select(Shop).join(PaymentSettings, PaymentSettings.shop_id == Shop.id)
                              .where(PaymentSettings.stripe_account_id == account_id))
    if owner is not None and owner.id != shop.id:
        raise AttachRefused(f"{account_id} is attached to another shop, {owner.name} "
                            f"({owner.slug}). Nothing changed.")
    status, warning = None, None
    if not stripe_gateway.configured():
        warning = ("STRIPE_SECRET_KEY is not set: the account's status stays unknown until "
                   "Stripe is configured and an Administrator presses Refresh status.")
    else:
        try:
            account = stripe_gateway.call(stripe_gateway.client().v1.accounts.retrieve,
                                          account_id)
        except StripeUnavailable as problem:
            if not isinstance(problem.__cause__, _TRANSIENT):
                raise AttachRefused(f"Stripe refused {account_id}: {problem} Is it an account "
                                    "of this platform? Nothing changed.") from problem
            warning = (f"Stripe could not be asked ({problem}); the account is attached and its "
                       "status is read on Refresh status or its next account.updated event.")
        else:
            status = stripe_gateway.account_status(account)
    settings = saved_payment_settings(shop)
    former = settings.stripe_account_id
    if status is not None:
        stripe_gateway.store_status(settings, status)
    elif former != account_id:
        stripe_gateway.store_status(settings, AccountStatus(
            state="not_connected", disabled_reason=None, currently_due=(),
            current_deadline=None, card_active=False, ach_active=False))
        settings.stripe_checked_at = None
    settings.stripe_account_id = account_id
    db.session.flush()
    return Attached(former=former if former != account_id else None, status=status,
                    warning=warning)
