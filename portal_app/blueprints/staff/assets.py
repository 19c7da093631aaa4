"""Assets of any customer of the shop, in the staff console (the same rules as the portal)."""

from __future__ import annotations

from flask import flash, request, url_for
from sqlalchemy.orm import joinedload

from portal_app.blueprints.assets.editing import (
    asset_form,
    customer_locations,
    invoice_history,
    save_asset_form,
    search_assets,
    service_history,
    set_archived,
)
from portal_app.blueprints.staff import bp
from portal_app.extensions import db
from portal_app.models import Asset, Customer
from portal_app.rendering import render, see_other
from portal_app.services.invoices import today
from portal_app.tenancy import shop_get_or_404


@bp.get("/customers/<int:customer_id>/assets")
def customer_assets(customer_id: int):
    """Search and page through a customer's assets."""
    customer = shop_get_or_404(Customer, customer_id)
    context = search_assets(customer, customer_locations(customer))
    return render("assets/index.html", "results", list_endpoint="staff.customer_assets",
                  list_url=url_for("staff.customer_assets", customer_id=customer.id),
                  console=True, customer=customer, **context)


@bp.route("/customers/<int:customer_id>/assets/new", methods=["GET", "POST"])
def new_asset(customer_id: int):
    """Add an asset to a customer; the Unit Number is required and unique for the customer."""
    customer = shop_get_or_404(Customer, customer_id)
    form = asset_form(customer, None, customer_locations(customer))
    saved = save_asset_form(form, customer, None)
    if saved is not None:
        flash(f"Asset {saved.unit_number} added.", "success")
        return see_other(url_for("staff.asset", asset_id=saved.id))
    return render("assets/form.html", "asset_form", form=form, asset=None, console=True,
                  customer=customer, status=422 if request.method == "POST" else 200)


@bp.get("/assets/<int:asset_id>")
def asset(asset_id: int):
    """Show an asset with its service history."""
    found = shop_get_or_404(Asset, asset_id, joinedload(Asset.location))
    customer = db.session.get(Customer, found.customer_id)
    return render("assets/detail.html", asset=found, history=service_history(found),
                  invoices=invoice_history(found, include_drafts=True), today=today(),
                  console=True, customer=customer)


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
def edit_asset(asset_id: int):
    """Change an asset's details."""
    found = shop_get_or_404(Asset, asset_id)
    customer = db.session.get(Customer, found.customer_id)
    form = asset_form(customer, found, customer_locations(customer))
    if save_asset_form(form, customer, found) is not None:
        flash("Asset saved.", "success")
        return see_other(url_for("staff.asset", asset_id=found.id))
    return render("assets/form.html", "asset_form", form=form, asset=found, console=True,
                  customer=customer, status=422 if request.method == "POST" else 200)


@bp.post("/assets/<int:asset_id>/archive")
def archive_asset(asset_id: int):
    """Archive an asset: it leaves the lists and the request form, its history stays."""
    found = shop_get_or_404(Asset, asset_id)
    set_archived(found, True)
    return see_other(url_for("staff.asset", asset_id=found.id))


@bp.post("/assets/<int:asset_id>/restore")
def restore_asset(asset_id: int):
    """Bring an archived asset back."""
    found = shop_get_or_404(Asset, asset_id)
    set_archived(found, False)
    return see_other(url_for("staff.asset", asset_id=found.id))
