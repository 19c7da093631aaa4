"""Portal settings (/staff/settings): branding, support contact, what the shop's documents
print (address, phone, billing email, remit-to, payment terms), sales tax, time zone, invoice
emails (and whether they attach the invoice's PDF)."""

from __future__ import annotations

from flask import flash, g, request, url_for
from flask_login import current_user

from portal_app.blueprints.admin import bp
from portal_app.blueprints.admin.forms import SettingsForm
from portal_app.extensions import db
from portal_app.web.rendering import render, see_other
from portal_app.web.request import accepts_upload
from portal_app.services import audit, branding
from portal_app.services.invoices import payment_settings, saved_payment_settings

UPLOAD_LIMIT = 2 * 1024 * 1024  # the form with its logo; the logo itself is checked smaller

SHOP_FIELDS = ("name", "brand_color", "support_email", "support_phone", "timezone", "address",
               "billing_email", "remit_to", "payment_terms_days", "tax_name", "tax_rate",
               "labour_taxable", "parts_taxable", "fee_taxable", "attach_invoice_pdf")
PAYMENT_FIELDS = ("pay_instead_text", "invoice_notifications")
# Text columns that are never NULL: empty is "".
NOT_NULL_TEXT = ("address", "remit_to", "tax_name")


def _uploaded_logo(form: SettingsForm) -> tuple[bytes, str, str] | None:
    """The re-encoded logo the form brings, or None; a refusal goes next to the field."""
    upload = form.logo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return branding.prepare_logo(upload.read(branding.LOGO_MAX_BYTES + 1))
    except branding.LogoRefused as problem:
        form.logo.errors = [str(problem)]
        return None


def _value(field):
    """What a field stores: booleans as they are, numbers as numbers (no tax rate: None), empty
    text as None, or "" in a column that is never NULL."""
    if field.name == "payment_terms_days":
        return int(field.value)
    if field.name == "tax_rate":
        return field.value
    if isinstance(field.data, bool):
        return field.data
    return field.data or ("" if field.name in NOT_NULL_TEXT else None)


@bp.route("/settings", methods=["GET", "POST"])
@accepts_upload(UPLOAD_LIMIT)
def settings():
    """Change how the portal looks and speaks for the shop."""
    shop, current = g.shop, payment_settings(g.shop)
    form = SettingsForm(obj=shop)
    if request.method == "GET":
        form.pay_instead_text.data = current.pay_instead_text
        form.invoice_notifications.data = current.invoice_notifications
    else:
        form.take_picked_colour(shop.brand_color)
    valid = form.validate_on_submit()
    logo = _uploaded_logo(form) if valid else None
    if not valid or form.logo.errors:
        return render("admin/settings.html", form=form,
                      status=422 if request.method == "POST" else 200)
    form.brand_color.data = form.brand_color.data.lower()
    stored = saved_payment_settings(shop)
    changed = []
    for target, names in ((shop, SHOP_FIELDS), (stored, PAYMENT_FIELDS)):
        for name in names:
            value = _value(getattr(form, name))
            if getattr(target, name) != value:
                setattr(target, name, value)
                changed.append(name)
    if logo is not None:
        shop.logo, shop.logo_type, shop.logo_hash = logo
        changed.append("logo")
    elif form.remove_logo.data and shop.logo_hash:
        shop.logo = shop.logo_type = shop.logo_hash = None
        changed.append("logo removed")
    if changed:
        audit.record(shop.id, current_user, "settings_changed",
                     ", ".join(name.replace("_", " ") for name in changed))
    db.session.commit()
    flash("Settings saved." if changed else "Nothing changed.", "success")
    return see_other(url_for("admin.settings"))
