"""Portal assets (/assets) and locations (/locations) of the logged-in customer."""

from __future__ import annotations

from flask import flash, g, request, url_for
from sqlalchemy.orm import joinedload

from portal_app.blueprints.assets import bp
from portal_app.blueprints.assets.editing import (
    asset_form,
    customer_locations,
    invoice_history,
    save_asset_form,
    search_assets,
    service_history,
    set_archived,
)
from portal_app.blueprints.staff.forms import LocationForm
from portal_app.extensions import db
from portal_app.models import Asset, Location
from portal_app.rendering import render, see_other
from portal_app.services.invoices import today
from portal_app.tenancy import customer_get_or_404

PORTAL = {"console": False, "customer": None}


@bp.get("/assets")
def index():
    """Search and page through the customer's assets."""
    context = search_assets(g.customer, customer_locations(g.customer))
    return render("assets/index.html", "results", list_endpoint="assets.index",
                  list_url=url_for("assets.index"), **PORTAL,
                  **context)


@bp.route("/assets/new", methods=["GET", "POST"])
def new():
    """Add an asset; the Unit Number is required and unique for the customer."""
    form = asset_form(g.customer, None, customer_locations(g.customer))
    saved = save_asset_form(form, g.customer, None)
    if saved is not None:
        flash(f"Asset {saved.unit_number} added.", "success")
        return see_other(url_for("assets.detail", asset_id=saved.id))
    return render("assets/form.html", "asset_form", form=form, asset=None, **PORTAL,
                  status=422 if request.method == "POST" else 200)


@bp.get("/assets/<int:asset_id>")
def detail(asset_id: int):
    """Show an asset with its service history."""
    asset = customer_get_or_404(Asset, asset_id, joinedload(Asset.location))
    return render("assets/detail.html", asset=asset, history=service_history(asset),
                  invoices=invoice_history(asset, include_drafts=False), today=today(), **PORTAL)


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
def edit(asset_id: int):
    """Change an asset's details."""
    asset = customer_get_or_404(Asset, asset_id)
    form = asset_form(g.customer, asset, customer_locations(g.customer))
    if save_asset_form(form, g.customer, asset) is not None:
        flash("Asset saved.", "success")
        return see_other(url_for("assets.detail", asset_id=asset.id))
    return render("assets/form.html", "asset_form", form=form, asset=asset, **PORTAL,
                  status=422 if request.method == "POST" else 200)


@bp.post("/assets/<int:asset_id>/archive")
def archive(asset_id: int):
    """Archive an asset: it leaves the lists and the request form, its history stays."""
    asset = customer_get_or_404(Asset, asset_id)
    set_archived(asset, True)
    return see_other(url_for("assets.detail", asset_id=asset.id))


@bp.post("/assets/<int:asset_id>/restore")
def restore(asset_id: int):
    """Bring an archived asset back."""
    asset = customer_get_or_404(Asset, asset_id)
    set_archived(asset, False)
    return see_other(url_for("assets.detail", asset_id=asset.id))


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
    return render("assets/locations.html", "location_form", form=form,
                  locations=customer_locations(g.customer),
                  status=422 if request.method == "POST" else 200)
