"""Payment settings for Administrators (/staff/settings/payments): setting up the shop's Stripe
account (created by the platform, finished on Stripe's onboarding pages), its state, and bank
transfer. The rest of the portal's settings are in blueprints/admin/settings.py."""

from __future__ import annotations

from flask import flash, g, request, url_for
from flask_login import current_user

from portal_app.auth.guards import admin_required
from portal_app.blueprints.staff import bp
from portal_app.blueprints.staff.forms import PaymentSettingsForm
from portal_app.extensions import db
from portal_app.models import PaymentSettings
from portal_app.web.rendering import render, see_other
from portal_app.services import stripe_connect, stripe_gateway
from portal_app.services.invoices import payment_settings, saved_payment_settings
from portal_app.services.stripe_gateway import StripeUnavailable


def _page(settings: PaymentSettings, form: PaymentSettingsForm, status: int = 200):
    return render("staff/settings_payments.html", settings=settings, form=form,
                  stripe_configured=stripe_gateway.configured(),
                  state_label=stripe_gateway.STATE_LABELS[settings.stripe_state],
                  reason=stripe_gateway.reason_in_words(settings),
                  setup_unfinished=stripe_connect.setup_unfinished(settings),
                  methods=stripe_gateway.payment_methods(settings), status=status)


@bp.route("/settings/payments", methods=["GET", "POST"])
@admin_required
def payment_settings_page():
    """Show the shop's Stripe account and its state; bank transfer on or off."""
    settings = payment_settings(g.shop)
    form = PaymentSettingsForm(obj=settings)
    if not form.validate_on_submit():
        return _page(settings, form, 422 if request.method == "POST" else 200)
    settings = saved_payment_settings(g.shop)
    settings.bank_transfer_enabled = form.bank_transfer_enabled.data
    db.session.commit()
    flash("Settings saved.", "success")
    return see_other(url_for("staff.payment_settings_page"))


@bp.post("/settings/payments/refresh")
@admin_required
def refresh_stripe_status():
    """"Refresh status": read the account from Stripe now."""
    settings = payment_settings(g.shop)
    if not settings.stripe_account_id:
        flash("Set up online payments first.", "error")
    else:
        try:
            stripe_gateway.refresh_account(settings)
        except StripeUnavailable as problem:
            db.session.rollback()
            flash(str(problem), "error")
        else:
            db.session.commit()
            flash("Status refreshed: " + stripe_gateway.STATE_LABELS[settings.stripe_state] + ".",
                  "success")
    return see_other(url_for("staff.payment_settings_page"))


@bp.post("/settings/payments/setup")
@admin_required
def stripe_setup():
    """"Set up online payments" / "Continue setup": create the shop's Stripe account the first
    time, then send the Administrator to Stripe's onboarding for it."""
    back = url_for("staff.payment_settings_page")
    try:
        settings = stripe_connect.ensure_account(g.shop, current_user.email)
    except StripeUnavailable as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return see_other(back)
    db.session.commit()  # the account is the shop's from its creation on, whatever follows
    if not stripe_connect.setup_unfinished(settings):
        flash("Online payments are set up: Stripe says the account is Active.", "success")
        return see_other(back)
    return _to_onboarding(settings)


@bp.get("/settings/payments/setup/again")
@admin_required
def stripe_setup_again():
    """Stripe's refresh URL (an expired or used link): make a new link and go back to Stripe."""
    settings = payment_settings(g.shop)
    if not settings.stripe_account_id:
        flash("Set up online payments first.", "error")
        return see_other(url_for("staff.payment_settings_page"))
    return _to_onboarding(settings)


def _to_onboarding(settings: PaymentSettings):
    """303 to a new Account Link (never stored), or back to the settings saying why not."""
    try:
        link = stripe_connect.onboarding_link(settings)
    except StripeUnavailable as problem:
        flash(str(problem), "error")  # the account stays: "Continue setup" tries again
        return see_other(url_for("staff.payment_settings_page"))
    return see_other(link)


@bp.get("/settings/payments/setup/return")
@admin_required
def stripe_setup_return():
    """Stripe's return URL: the Administrator left onboarding (finished or not). Read the
    account's state from Stripe and show it."""
    settings = payment_settings(g.shop)
    if settings.stripe_account_id:
        try:
            stripe_gateway.refresh_account(settings)
        except StripeUnavailable as problem:
            db.session.rollback()
            settings = payment_settings(g.shop)
            flash(str(problem) + " Press Refresh status in a minute.", "error")
        else:
            db.session.commit()
            flash(_state_in_words(settings), "success" if settings.stripe_state == "active"
                  else "info")
    return _page(settings, PaymentSettingsForm(obj=settings))


def _state_in_words(settings: PaymentSettings) -> str:
    label = stripe_gateway.STATE_LABELS[settings.stripe_state]
    if not stripe_connect.setup_unfinished(settings):
        return "Online payments are set up: Stripe says the account is Active."
    return f"Back from Stripe. The account is {label}: what Stripe still needs is below."
