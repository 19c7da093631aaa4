"""What only staff do with estimates: write a draft with lines ("More lines" works with
JavaScript off), send it (version 1), change a sent one (a new version the customer is told
about) and convert an approved one to a work order."""

from __future__ import annotations

from flask import flash, g, request
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal_app.web.audience import CONSOLE, Pages
from portal_app.blueprints.estimates import bp
from portal_app.blueprints.estimates.estimate_pages import load
from portal_app.blueprints.estimates.forms import EstimateForm, posted_lines
from portal_app.blueprints.staff import bp as console
from portal_app.extensions import db
from portal_app.web.ids import id_arg, version_number
from portal_app.models import Asset, Customer, Estimate, Location, unit_number_key
from portal_app.web.rendering import render, see_other
from portal_app.services import estimates as service
from portal_app.services import work_orders
from portal_app.services.estimates import EstimateStateError
from portal_app.services.work_orders import WorkOrderStateError
from portal_app.data.tenancy import shop_get_or_404

pages = Pages(portal=bp, console=console)
BLANK_LINES = 3
ESTIMATE = "/estimates/<int:estimate_id>"


def customer_choices() -> list[SelectChoice]:
    return [SelectChoice(str(c.id), c.name) for c in db.session.execute(
        select(Customer.id, Customer.name).where(Customer.shop_id == g.shop.id)
        .order_by(Customer.name))]


def location_choices(customer_id: int | None) -> list[tuple[str, str]]:
    """The customer's locations as (value, label), the way assets' location field takes them."""
    locations = db.session.execute(select(Location.id, Location.name).where(
        Location.shop_id == g.shop.id, Location.customer_id == customer_id)
        .order_by(Location.name)).all() if customer_id else []
    return [("", "No location")] + [(str(i), name) for i, name in locations]


def named_asset(form, customer_id: int) -> Asset | None | bool:
    """The customer's unit named in the form (None when empty); False, with the error next to
    the field, when the customer has no such unit."""
    if not form.unit_number.data:
        return None
    asset = db.session.scalar(select(Asset).where(
        Asset.shop_id == g.shop.id, Asset.customer_id == customer_id,
        Asset.unit_number_key == unit_number_key(form.unit_number.data)))
    if asset is None:
        form.unit_number.errors.append(
            f"This customer has no unit numbered “{form.unit_number.data}”. Check the number "
            "or add the asset first.")
        return False
    return asset


def _prefill(form: EstimateForm, estimate: Estimate | None) -> None:
    if estimate is None:
        form.customer_id.data = id_arg(request.args, "customer_id")
        form.unit_number.data = request.args.get("unit_number", "")[:40]
        form.valid_until.data = service.default_valid_until()
        return
    form.customer_id.data = estimate.customer_id
    form.unit_number.data = estimate.asset.unit_number if estimate.asset else ""
    form.location_id.data = str(estimate.location_id or "")
    form.valid_until.data, form.notes.data = estimate.valid_until, estimate.notes
    form.based_on.data = str(estimate.version)
    while len(form.lines) < len(estimate.lines) + BLANK_LINES:
        form.lines.append_entry()
    for entry, line in zip(form.lines, estimate.lines):
        entry.form.description.data, entry.form.quantity.data = line.description, line.quantity
        entry.form.unit_price.data = f"{line.unit_price_cents / 100:.2f}"
        entry.form.optional.data = line.optional


def _save(form: EstimateForm, estimate: Estimate | None):
    """Validate and save; return the estimate, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    lines = posted_lines(form)
    if not lines:
        form.form_errors.append("Add at least one line.")
        return None
    customer = shop_get_or_404(Customer, form.customer_id.data)
    asset = named_asset(form, customer.id)
    if asset is False:
        return None
    location_id = int(form.location_id.data) if form.location_id.data else None
    values = {"customer_id": customer.id, "asset_id": asset.id if asset else None,
              "location_id": location_id or (asset.location_id if asset else None),
              "valid_until": form.valid_until.data, "notes": form.notes.data or ""}
    try:
        if estimate is None:
            estimate = service.create_draft(g.shop.id, values, lines, form.submission_key.data)
            flash(f"Draft {estimate.number} saved. Send it to the customer when it is ready.",
                  "success")
        elif estimate.status == Estimate.DRAFT:
            service.update_draft(estimate, values, lines)
            flash(f"Draft {estimate.number} saved.", "success")
        else:
            based_on = version_number(form.based_on.data)
            if service.revise(estimate, CONSOLE.author(), values, lines, based_on):
                flash(f"{estimate.number} is now version {estimate.version}; the customer was "
                      "emailed what changed.", "success")
            else:
                flash("Nothing changed, so no new version was sent.", "info")
    except EstimateStateError as problem:
        db.session.rollback()
        form.form_errors.append(str(problem))
        return None
    db.session.commit()
    return estimate


def _edit(estimate: Estimate | None):
    form = EstimateForm()
    form.customer_id.choices = customer_choices()
    if estimate is not None and estimate.status != Estimate.DRAFT:
        form.customer_id.data = estimate.customer_id  # sent: the customer stays
    if request.method == "GET":
        _prefill(form, estimate)
    own = {int(choice.value) for choice in form.customer_id.choices}
    form.location_id.choices = location_choices(
        form.customer_id.data if form.customer_id.data in own else None)
    more = request.method == "POST" and request.form.get("action") == "more_lines"
    if more:
        for _ in range(BLANK_LINES):
            form.lines.append_entry()
    elif request.method == "POST":
        saved = _save(form, estimate)
        if saved is not None:
            return see_other(CONSOLE.url("estimate", estimate_id=saved.id))
    status = 422 if request.method == "POST" and not more else 200
    return render("staff/estimates/form.html", form=form, estimate=estimate, audience=CONSOLE,
                  status=status)


@pages.route("new_estimate", console=("/estimates/new", "new_estimate"),
             methods=("GET", "POST"))
def new_estimate(audience):
    """Write a new estimate draft."""
    return _edit(None)


@pages.route("edit_estimate", console=(ESTIMATE + "/edit", "edit_estimate"),
             methods=("GET", "POST"))
def edit_estimate(audience, estimate_id: int):
    """Change a draft, or a sent estimate (a new version the customer approves)."""
    estimate = load(audience, estimate_id)
    if estimate.status not in Estimate.EDITABLE:
        flash(f"{estimate.number} was decided by the customer; it can no longer change.",
              "error")
        return see_other(audience.url("estimate", estimate_id=estimate.id))
    return _edit(estimate)


@pages.route("send_estimate", console=(ESTIMATE + "/send", "send_estimate"), methods=("POST",))
def send_estimate(audience, estimate_id: int):
    """Send a draft to the customer's contacts as version 1."""
    estimate = load(audience, estimate_id)
    try:
        sent = service.send(estimate, audience.author())
    except EstimateStateError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(f"{estimate.number} sent. " + (
            f"Emailed to {sent} contact{'s' if sent != 1 else ''}." if sent else
            "The customer has no contact to email; they see it in the portal."), "success")
    return see_other(audience.url("estimate", estimate_id=estimate_id))


@pages.route("convert_estimate", console=(ESTIMATE + "/convert", "convert_estimate"),
             methods=("POST",))
def convert_estimate(audience, estimate_id: int):
    """Open a work order with the approved lines (once: a second click finds it)."""
    estimate = load(audience, estimate_id)
    try:
        work_order, created = work_orders.from_estimate(estimate)
    except (WorkOrderStateError, EstimateStateError) as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return see_other(audience.url("estimate", estimate_id=estimate_id))
    db.session.commit()
    flash(f"Work order {work_order.number} opened with the approved lines." if created else
          f"{estimate.number} was converted already: {work_order.number}.", "success")
    return see_other(audience.url("work_order", work_order_id=work_order.id))
