"""Listing, adding and editing assets: the part the portal and the staff console share."""

from __future__ import annotations

from flask import request
from sqlalchemy import BigInteger, Date, literal, select, union_all
from sqlalchemy.orm import joinedload

from portal_app.data import search
from portal_app.blueprints.assets.forms import AssetForm, AssetSearchForm, location_choices
from portal_app.blueprints.estimates.views import with_decision
from portal_app.extensions import db
from portal_app.models import (
    Asset,
    Customer,
    Estimate,
    Invoice,
    Location,
    ServiceRequest,
    WorkOrder,
)
from portal_app.web.pagination import paginate
from portal_app.clock import today
from portal_app.services import assets, attachments, pricing

PER_PAGE = 25
ASSET_SEARCH = (search.Branch(Asset.unit_number_key), search.Branch(Asset.make_key),
                search.Branch(Asset.model_key))


def customer_locations(customer: Customer) -> list[Location]:
    return db.session.scalars(select(Location).where(
        Location.shop_id == customer.shop_id, Location.customer_id == customer.id)
        .order_by(Location.name, Location.id)).all()


def search_assets(customer: Customer, locations: list[Location]) -> dict:
    """Page through a customer's assets: search by unit number, make or model; filter by
    location; archived ones on their own list. Returns the template context."""
    form = AssetSearchForm(request.args)
    form.location.choices = location_choices(locations, "All locations")
    q = form.q.data if form.validate() and form.q.data else ""
    own = {str(location.id) for location in locations}
    location = form.location.data if form.location.data in own else ""
    archived = request.args.get("archived") == "1"
    query = select(Asset).where(
        Asset.shop_id == customer.shop_id, Asset.customer_id == customer.id,
        Asset.archived.is_(archived))
    if location:
        query = query.where(Asset.location_id == int(location))
    if q:  # Unit Number, make or model starting with what was typed
        query = search.matching(query, Asset.id, ASSET_SEARCH, q)
    page = paginate(query.options(joinedload(Asset.location))
                    .order_by(Asset.unit_number_key, Asset.id), PER_PAGE)
    params = {key: value for key, value in
              (("q", q), ("location", location), ("archived", "1" if archived else "")) if value}
    return {"form": form, "page": page, "q": q, "location": location, "archived": archived,
            "params": params, "locations": locations}


def asset_form(customer: Customer, asset: Asset | None, locations: list[Location]) -> AssetForm:
    form = AssetForm(obj=asset) if asset is not None else AssetForm()
    form.location_id.choices = location_choices(locations)
    if request.method == "GET":
        if asset is not None:
            form.location_id.data = str(asset.location_id or "")
        elif request.args.get("location") in {str(loc.id) for loc in locations}:
            form.location_id.data = request.args["location"]
    return form


def save_asset_form(form: AssetForm, customer: Customer, asset: Asset | None,
                    files: list[attachments.Ready] | None, *, by) -> Asset | None:
    """Validate and save (and commit) the form with the checked `files` it posted (attached by
    `by`); return the asset, or None with the errors on the form. `files` None: the files were
    refused, so nothing is saved (the form is still checked, for its own messages). A duplicate
    Unit Number is a message next to the field, also when two saves race; a second post of the
    same add-asset form (a double click, a second tab) finds the asset the first one added and
    answers with it: one asset, each file attached once."""
    if not form.validate_on_submit() or files is None:
        return None
    values = form.values()
    message = assets.DUPLICATE_MESSAGE.format(customer=customer.name,
                                              unit=form.unit_number.data)
    if asset is None and (repeat := assets.just_added(customer.id, **values)) is not None:
        return _with_files(repeat, files, by)
    if assets.unit_number_taken(customer.id, form.unit_number.data,
                                except_asset_id=asset.id if asset else None):
        form.unit_number.errors.append(message)
        return None
    target = asset or Asset(shop_id=customer.shop_id, customer_id=customer.id)
    try:
        assets.save_asset(target, **values)
    except assets.DuplicateUnitNumber:
        db.session.rollback()
        if asset is None and (repeat := assets.just_added(customer.id, **values)) is not None:
            return _with_files(repeat, files, by)
        form.unit_number.errors.append(message)
        return None
    return _with_files(target, files, by)


def _with_files(asset: Asset, files: list[attachments.Ready], by) -> Asset:
    """Attach the files to the saved asset (each once: a repeat adds nothing) and commit."""
    if files:
        attachments.attach(files, asset, by=by)
    db.session.commit()
    return asset


def service_history(asset: Asset) -> list[ServiceRequest]:
    """The requests that name the asset, newest first."""
    return db.session.scalars(select(ServiceRequest).options(
        joinedload(ServiceRequest.location)).where(
        ServiceRequest.shop_id == asset.shop_id, ServiceRequest.customer_id == asset.customer_id,
        ServiceRequest.asset_id == asset.id).order_by(ServiceRequest.created_at.desc(),
                                                      ServiceRequest.id.desc()).limit(50)).all()


def document_history(audience, asset: Asset) -> dict[str, list]:
    """The estimates, work orders and invoices that name the asset (drafts only where the
    audience sees them), newest first: {"estimate": [...], "work_order": [...], "invoice":
    [...]}. Estimates are loaded as their list loads them (with the decision on the version
    shown, which their rows tell); work orders and invoices in one more query, as rows of kind,
    id, number, status (an invoice's as status_on() says it), issued_on, due_on and total_cents
    (a work order's approved lines with their tax, an invoice's stored total)."""
    estimates = db.session.scalars(with_decision(
        audience.select(Estimate).where(Estimate.asset_id == asset.id))
        .order_by(Estimate.created_at.desc(), Estimate.id.desc()).limit(50)).unique().all()

    def rows_of(model, kind: str, total, taxable, *dates):
        return audience.select(model).where(model.asset_id == asset.id).with_only_columns(
            literal(kind).label("kind"), model.id, model.number, model.status, *dates,
            total.label("total_cents"), taxable.label("taxable_cents"), model.tax_name,
            model.tax_rate, model.tax_exempt, model.created_at)

    def no_date(name: str):
        return literal(None, Date).label(name)

    work_orders = rows_of(WorkOrder, "work_order", WorkOrder.approved_cents.expression,
                          WorkOrder.approved_taxable_cents.expression, no_date("issued_on"),
                          no_date("due_on"))
    invoices = rows_of(Invoice, "invoice", Invoice.total_cents, literal(0, BigInteger),
                       Invoice.issued_on, Invoice.due_on)
    every = union_all(work_orders, invoices).subquery()
    found = {"estimate": estimates, "work_order": [], "invoice": []}
    day = today()
    for row in db.session.execute(select(every).order_by(every.c.created_at.desc(),
                                                         every.c.id.desc()).limit(100)):
        if row.kind == "invoice":  # its status as people read it: overdue is derived
            found["invoice"].append({**row._mapping, "status": Invoice.status_on(row, day)})
        else:
            found["work_order"].append(_WorkOrderRow(row))
    return found


class _WorkOrderRow:
    """A work order's row of the history: its columns, and as total what the customer approved
    with the tax the work order charges."""

    def __init__(self, row) -> None:
        self._row = row

    def __getattr__(self, name: str):
        return getattr(self._row, name)

    @property
    def total_cents(self) -> int:
        row = self._row
        tax = pricing.Tax(row.tax_name or "", row.tax_rate, bool(row.tax_exempt))
        return row.total_cents + tax.on(row.taxable_cents)
