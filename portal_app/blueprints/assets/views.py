"""Assets, written once for both audiences: /assets in the portal (the customer's units) and
/staff/customers/<id>/assets, /staff/assets/<id> in the console (any customer of the shop).
Locations (/locations) are the portal's own page."""

from __future__ import annotations

from flask import flash, g, request, url_for
from sqlalchemy.orm import joinedload

from portal_app.web.audience import Pages
from portal_app.blueprints.assets import bp
from portal_app.blueprints.assets.editing import (
    asset_form,
    customer_locations,
    document_history,
    invoice_history,
    save_asset_form,
    search_assets,
    service_history,
    set_archived,
)
from portal_app.blueprints.staff import bp as console
from portal_app.blueprints.staff.forms import LocationForm
from portal_app.extensions import db
from portal_app.models import Asset, Location
from portal_app.web.rendering import render, see_other
from portal_app.clock import today

pages = Pages(portal=bp, console=console)
ASSET = "/assets/<int:asset_id>"


@pages.route("assets", portal=("/assets", "index"),
             console=("/customers/<int:customer_id>/assets", "customer_assets"))
def index(audience, customer_id: int | None = None):
    """Search and page through a customer's assets."""
    customer = audience.customer(customer_id)
    context = search_assets(customer, customer_locations(customer))
    return render("assets/index.html", "results", audience=audience, customer=customer,
                  list_url=audience.url("assets", customer_id=customer.id), **context)


@pages.route("new_asset", portal=("/assets/new", "new"),
             console=("/customers/<int:customer_id>/assets/new", "new_asset"),
             methods=("GET", "POST"))
def new(audience, customer_id: int | None = None):
    """Add an asset; the Unit Number is required and unique for the customer."""
    customer = audience.customer(customer_id)
    form = asset_form(customer, None, customer_locations(customer))
    saved = save_asset_form(form, customer, None)
    if saved is not None:
        flash(f"Asset {saved.unit_number} added.", "success")
        return see_other(audience.url("asset", asset_id=saved.id))
    return render("assets/form.html", form=form, asset=None, audience=audience,
                  customer=customer, status=422 if request.method == "POST" else 200)


PAGE_LOADS = (joinedload(Asset.location), joinedload(Asset.customer))


@pages.route("asset", portal=(ASSET, "detail"), console=(ASSET, "asset"))
def detail(audience, asset_id: int):
    """Show an asset with its service history: requests, estimates, work orders, invoices."""
    asset = audience.get_or_404(Asset, asset_id, *PAGE_LOADS)
    estimates, work_orders = document_history(audience, asset)
    return render("assets/detail.html", asset=asset, customer=asset.customer,
                  history=service_history(asset), estimates=estimates, work_orders=work_orders,
                  invoices=invoice_history(asset, include_drafts=audience.may("see_drafts")),
                  today=today(), audience=audience)


@pages.route("edit_asset", portal=(ASSET + "/edit", "edit"),
             console=(ASSET + "/edit", "edit_asset"), methods=("GET", "POST"))
def edit(audience, asset_id: int):
    """Change an asset's details."""
    asset = audience.get_or_404(Asset, asset_id, joinedload(Asset.customer))
    form = asset_form(asset.customer, asset, customer_locations(asset.customer))
    if save_asset_form(form, asset.customer, asset) is not None:
        flash("Asset saved.", "success")
        return see_other(audience.url("asset", asset_id=asset.id))
    return render("assets/form.html", form=form, asset=asset, audience=audience,
                  customer=asset.customer, status=422 if request.method == "POST" else 200)


@pages.route("archive_asset", portal=(ASSET + "/archive", "archive"),
             console=(ASSET + "/archive", "archive_asset"), methods=("POST",))
def archive(audience, asset_id: int):
    """Archive an asset: it leaves the lists and the request form, its history stays."""
    asset = audience.get_or_404(Asset, asset_id)
    set_archived(asset, True)
    return see_other(audience.url("asset", asset_id=asset.id))


@pages.route("restore_asset", portal=(ASSET + "/restore", "restore"),
             console=(ASSET + "/restore", "restore_asset"), methods=("POST",))
def restore(audience, asset_id: int):
    """Bring an archived asset back."""
    asset = audience.get_or_404(Asset, asset_id)
    set_archived(asset, False)
    return see_other(audience.url("asset", asset_id=asset.id))


@bp.route("/locations", methods=["GET", "POST"])
def locations():
    """List the customer's locations and add one."""
    form = LocationForm()
    if form.validate_on_submit():
        db.session.add(Location(shop_id=g.shop.id, customer_id=g.customer.id,
                                name=form.name.data, address=form.address.data or ""))
        db.session.commit()
        flash(f"Location “{form.name.data}” added.", "success")
        return see_other(url_for("assets.locations"))
    return render("assets/locations.html", form=form, locations=customer_locations(g.customer),
                  status=422 if request.method == "POST" else 200)

