"""Payment settings for Administrators (/staff/settings/payments): the shop's Stripe connection
and bank transfer. The rest of the portal's settings are in blueprints/admin/settings.py."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from sqlalchemy import select

from portal_app.auth.guards import admin_required
from portal_app.blueprints.staff import bp
from portal_app.blueprints.staff.forms import PaymentSettingsForm
from portal_app.mail.emails import portal_link
from portal_app.extensions import db
from portal_app.models import PaymentSettings
from portal_app.web.rendering import render, see_other
from portal_app.services import payments, stripe_gateway
from portal_app.services.invoices import payment_settings, saved_payment_settings
from portal_app.services.stripe_gateway import StripeUnavailable


def _page(settings: PaymentSettings, form: PaymentSettingsForm, status: int = 200):
    return render("staff/settings_payments.html", settings=settings, form=form,
                  stripe_configured=stripe_gateway.configured(),
                  state_label=stripe_gateway.STATE_LABELS[settings.stripe_state],
                  reason=stripe_gateway.reason_in_words(settings),
                  methods=stripe_gateway.payment_methods(settings), status=status)


@bp.route("/settings/payments", methods=["GET", "POST"])
@admin_required
def payment_settings_page():
    """Connect the shop's Stripe account; bank transfer and invoice emails on or off."""
    settings = payment_settings(g.shop)
    form = PaymentSettingsForm(obj=settings)
    if not form.validate_on_submit():
        return _page(settings, form, 422 if request.method == "POST" else 200)
    settings = saved_payment_settings(g.shop)
    account = form.stripe_account_id.data or None
    if account and db.session.scalar(select(PaymentSettings.shop_id).where(
            PaymentSettings.stripe_account_id == account, PaymentSettings.shop_id != g.shop.id)):
        form.stripe_account_id.errors.append("This Stripe account is connected to another shop.")
        return _page(settings, form, 422)
    former = settings.stripe_account_id
    changed = account != former
    settings.bank_transfer_enabled = form.bank_transfer_enabled.data
    settings.stripe_account_id = account
    message = "Settings saved."
    if changed:
        settings.stripe_state = "not_connected"
        settings.stripe_checked_at = None
        if account and stripe_gateway.configured():
            try:
                stripe_gateway.refresh_account(settings)
                message += " Stripe account connected: " + \
                    stripe_gateway.STATE_LABELS[settings.stripe_state] + "."
            except StripeUnavailable as problem:
                form.stripe_account_id.errors.append(str(problem))
                db.session.rollback()
                return _page(payment_settings(g.shop), form, 422)
    db.session.commit()
    if changed and former and stripe_gateway.configured():
        # Checkouts opened on the former account would be paid to it: close them there. Any
        # it cannot close stay payable, and what that account reports is still applied.
        payments.expire_sessions_of_former_account(g.shop.id, former)
    flash(message, "success")
    return see_other(url_for("staff.payment_settings_page"))


@bp.post("/settings/payments/refresh")
@admin_required
def refresh_stripe_status():
    """"Refresh status": read the account from Stripe now."""
    settings = payment_settings(g.shop)
    if not settings.stripe_account_id:
        flash("Connect a Stripe account first.", "error")
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


@bp.post("/settings/payments/onboarding")
@admin_required
def stripe_onboarding():
    """Continue Stripe's onboarding (an Account Link) to finish verification."""
    settings = payment_settings(g.shop)
    back = url_for("staff.payment_settings_page")
    if not settings.stripe_account_id:
        flash("Connect a Stripe account first.", "error")
        return see_other(back)
    try:
        link = stripe_gateway.create_account_link(
            settings, refresh_url=portal_link("staff.payment_settings_page"),
            return_url=portal_link("staff.payment_settings_page"))
    except StripeUnavailable as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return see_other(back)
    db.session.commit()
    return redirect(link, 303)
