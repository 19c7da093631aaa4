"""Assets, written once for both audiences: /assets in the portal (the customer's units) and
/staff/customers/<id>/assets, /staff/assets/<id> in the console (any customer of the shop).
Locations (/locations) are the portal's own page."""

from __future__ import annotations

from flask import flash, g, request, url_for
from sqlalchemy.orm import joinedload

from portal_app.blueprints.assets import bp, console
from portal_app.blueprints.assets.editing import (
    asset_form,
    customer_locations,
    document_history,
    save_asset_form,
    search_assets,
    service_history,
)
from portal_app.blueprints.assets.forms import LocationForm
from portal_app.blueprints.documents import files
from portal_app.clock import today
from portal_app.extensions import db
from portal_app.models import Asset, Location
from portal_app.services import attachments
from portal_app.web.audience import Pages
from portal_app.web.rendering import render, see_other

routes = Pages(portal=bp, console=console)
ASSET = "/assets/<int:asset_id>"
CUSTOMER_ASSETS = "/customers/<int:customer_id>/assets"


@routes.route("/assets", console=CUSTOMER_ASSETS)
def index(audience, customer_id: int | None = None):
    """Search and page through a customer's assets."""
    customer = audience.customer(customer_id)
    context = search_assets(customer, customer_locations(customer))
    return render("assets/index.html", "results", audience=audience, customer=customer,
                  list_url=audience.url("assets.index", customer_id=customer.id), **context)


def _form_page(audience, asset: Asset | None, customer_id: int | None = None):
    """Add an asset (`asset` None) or change one, with photos or files to attach; the Unit
    Number is required and unique for the customer. A refused file refuses the whole form
    (422, nothing saved or stored, everything typed kept)."""
    customer = asset.customer if asset is not None else audience.customer(customer_id)
    form = asset_form(customer, asset, customer_locations(customer))
    ready, problem = [], None
    if request.method == "POST":
        ready, problem = attachments.read_or_problem(
            already=attachments.count(asset) if asset is not None else 0)
    saved = save_asset_form(form, customer, asset, None if problem else ready,
                            by=audience.author())
    if saved is not None:
        added = f" {_files_added(len(ready))}" if ready else ""
        flash((f"Asset {saved.unit_number} added." if asset is None else "Asset saved.") + added,
              "success")
        return see_other(audience.url("assets.detail", asset_id=saved.id))
    return render("assets/form.html", form=form, asset=asset, audience=audience,
                  customer=customer, problem=problem,
                  status=422 if request.method == "POST" else 200)


def _files_added(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'} added."


@routes.route("/assets/new", console=CUSTOMER_ASSETS + "/new", methods=("GET", "POST"))
@files.takes_files
def new(audience, customer_id: int | None = None):
    """Add an asset; the Unit Number is required and unique for the customer."""
    return _form_page(audience, None, customer_id)


@routes.route(ASSET + "/edit", methods=("GET", "POST"))
@files.takes_files
def edit(audience, asset_id: int):
    """Change an asset's details."""
    return _form_page(audience, audience.get_or_404(Asset, asset_id,
                                                    *audience.with_customer(Asset)))


def _detail_page(audience, asset: Asset, problem: str | None = None, status: int = 200):
    """The asset's page: its details, photos and files (with `problem`, the message of a
    refused upload, at the file field), and its service history."""
    documents = document_history(audience, asset)
    return render("assets/detail.html", asset=asset, customer=asset.customer,
                  history=service_history(asset), estimates=documents["estimate"],
                  work_orders=documents["work_order"], invoices=documents["invoice"],
                  files=attachments.of(asset), problem=problem, today=today(),
                  audience=audience, status=status)


def _asset(audience, asset_id: int) -> Asset:
    return audience.get_or_404(Asset, asset_id, joinedload(Asset.location),
                               *audience.with_customer(Asset))


@routes.route(ASSET)
def detail(audience, asset_id: int):
    """Show an asset with its photos and files and its service history: requests, estimates,
    work orders, invoices."""
    return _detail_page(audience, _asset(audience, asset_id))


files.register(routes, ASSET, lambda audience, ident: audience.get_or_404(Asset, ident))


@routes.route(ASSET + "/files", methods=("POST",))
@files.takes_files
def add_files(audience, asset_id: int):
    """Add photos or files to an asset (an archived one too: its papers still come), up to
    MAX_PER_ITEM; a refused upload is said at the field, with nothing stored."""
    asset = _asset(audience, asset_id)
    ready, problem = attachments.read_or_problem(already=attachments.count(asset))
    if problem is None and not ready:
        problem = "Choose at least one photo or file."
    if problem is not None:
        return _detail_page(audience, asset, problem, status=422)
    attachments.attach(ready, asset, by=audience.author())
    db.session.commit()
    flash(_files_added(len(ready)), "success")
    return see_other(audience.url("assets.detail", asset_id=asset.id))


@routes.route(ASSET + "/files/<int:file_id>/remove", methods=("POST",))
def remove_file(audience, asset_id: int, file_id: int):
    """Remove one of the asset's files and its stored objects; another's file is a 404."""
    files.remove(audience.get_or_404(Asset, asset_id), file_id)
    return see_other(audience.url("assets.detail", asset_id=asset_id))


def _set_archived(audience, asset_id: int, archived: bool):
    """Archive (it leaves the lists and the request form, its history stays) or restore an
    asset, and say so."""
    asset = audience.get_or_404(Asset, asset_id)
    asset.archived = archived
    db.session.commit()
    flash(f"Asset {asset.unit_number} {'archived' if archived else 'restored'}.", "success")
    return see_other(audience.url("assets.detail", asset_id=asset.id))


@routes.route(ASSET + "/archive", methods=("POST",))
def archive(audience, asset_id: int):
    """Archive an asset: it leaves the lists and the request form, its history stays."""
    return _set_archived(audience, asset_id, True)


@routes.route(ASSET + "/restore", methods=("POST",))
def restore(audience, asset_id: int):
    """Bring an archived asset back."""
    return _set_archived(audience, asset_id, False)


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
