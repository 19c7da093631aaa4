"""What only staff do with estimates: write a draft with lines ("More lines" works with
JavaScript off), send it (version 1), change a sent one (a new version the customer is told
about) and convert an approved one to a work order."""

from __future__ import annotations

from flask import flash, g, request
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal_app.blueprints.documents import editing, recipients
from portal_app.blueprints.documents.forms import fill_lines, posted_lines
from portal_app.blueprints.estimates import console
from portal_app.blueprints.estimates.forms import EstimateForm
from portal_app.blueprints.estimates.views import load
from portal_app.data.tenancy import shop_get_or_404
from portal_app.extensions import db
from portal_app.models import Customer, Estimate, Location
from portal_app.services import drafts
from portal_app.services import estimates as service
from portal_app.services import work_orders
from portal_app.services.estimates import EstimateStateError
from portal_app.services.work_orders import WorkOrderStateError
from portal_app.web.audience import CONSOLE
from portal_app.web.ids import id_arg, version_number
from portal_app.web.rendering import see_other

ESTIMATE = "/estimates/<int:estimate_id>"


def location_choices(customer_id: int | None) -> list[tuple[str, str]]:
    """The customer's locations as (value, label), the way assets' location field takes them."""
    locations = db.session.execute(select(Location.id, Location.name).where(
        Location.shop_id == g.shop.id, Location.customer_id == customer_id)
        .order_by(Location.name)).all() if customer_id else []
    return [("", "No location")] + [(str(i), name) for i, name in locations]


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
    fill_lines(form, estimate.lines)


def _save(form: EstimateForm, estimate: Estimate | None) -> str | None:
    """Validate and save; return the estimate's page, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    lines = posted_lines(form)
    if not lines:
        form.form_errors.append("Add at least one line.")
        return None
    customer = shop_get_or_404(Customer, form.customer_id.data)
    asset = editing.named_asset(form, customer.id)
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
            told = service.revise(estimate, CONSOLE.author(), values, lines, based_on)
            if told is not None:
                flash(Markup("{} is now version {}. What changed: ").format(
                    estimate.number, estimate.version)
                    + recipients.emailed(told, estimate.customer, "estimates"), "success")
            else:
                flash("Nothing changed, so no new version was sent.", "info")
    except EstimateStateError as problem:
        db.session.rollback()
        form.form_errors.append(str(problem))
        return None
    db.session.commit()
    return CONSOLE.url("estimates.detail", estimate_id=estimate.id)


def _edit(estimate: Estimate | None):
    form = EstimateForm()
    form.customer_id.choices = editing.customer_choices()
    if estimate is not None and estimate.status != Estimate.DRAFT:
        form.customer_id.data = estimate.customer_id  # sent: the customer stays
    if request.method == "GET":
        _prefill(form, estimate)
    own = {int(choice.value) for choice in form.customer_id.choices}
    form.location_id.choices = location_choices(
        form.customer_id.data if form.customer_id.data in own else None)
    return editing.lines_form_page(form, "estimates/form.html", lambda: _save(form, estimate),
                                   estimate=estimate)


@console.route("/estimates/new", methods=["GET", "POST"])
def new():
    """Write a new estimate draft."""
    return _edit(None)


@console.route(ESTIMATE + "/edit", methods=["GET", "POST"])
def edit(estimate_id: int):
    """Change a draft, or a sent estimate (a new version the customer approves)."""
    estimate = load(CONSOLE, estimate_id)
    if estimate.status not in Estimate.EDITABLE:
        flash(f"{estimate.number} was decided by the customer; it can no longer change.",
              "error")
        return see_other(CONSOLE.url("estimates.detail", estimate_id=estimate.id))
    return _edit(estimate)


@console.post(ESTIMATE + "/send")
def send(estimate_id: int):
    """Send a draft to the customer's contacts as version 1."""
    estimate = load(CONSOLE, estimate_id)

    def sent() -> str:
        told = service.send(estimate, CONSOLE.author())
        return Markup("{} sent; the customer sees it in the portal. ").format(estimate.number) \
            + recipients.emailed(told, estimate.customer, "estimates")

    return editing.act(sent, EstimateStateError, CONSOLE.url("estimates.detail", estimate_id=estimate_id))


@console.post(ESTIMATE + "/convert")
def convert(estimate_id: int):
    """Open a work order with the approved lines (once: a second click finds it)."""
    estimate = load(CONSOLE, estimate_id)
    try:
        work_order, created = work_orders.from_estimate(estimate)
    except (WorkOrderStateError, EstimateStateError) as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return see_other(CONSOLE.url("estimates.detail", estimate_id=estimate_id))
    db.session.commit()
    flash(f"Work order {work_order.number} opened with the approved lines." if created else
          f"{estimate.number} was converted already: {work_order.number}.", "success")
    return see_other(CONSOLE.url("work_orders.detail", work_order_id=work_order.id))


@console.post(ESTIMATE + "/delete")
def delete_draft(estimate_id: int):
    """Delete a draft with its lines (the customer never saw it); a sent estimate stays."""
    return editing.delete_draft(Estimate, estimate_id, "estimate", drafts.delete_estimate,
                                (joinedload(Estimate.customer), joinedload(Estimate.lines)))
