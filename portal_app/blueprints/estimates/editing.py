"""What only staff do with estimates: write a draft with lines ("More lines" works with
JavaScript off) and the photos and files of each line (what the technician found), send it
(version 1), change a sent one (a new version the customer is told about) and convert an
approved one to a work order."""

from __future__ import annotations

from flask import flash, g, request
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal_app.blueprints.documents import editing, files, recipients
from portal_app.blueprints.documents.forms import fill_lines
from portal_app.blueprints.estimates import console
from portal_app.blueprints.estimates.forms import EstimateForm
from portal_app.blueprints.estimates.views import load
from portal_app.data.tenancy import shop_get_or_404
from portal_app.extensions import db
from portal_app.models import Customer, Estimate, Location
from portal_app.services import attachments, drafts
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
    for entry, line in zip(form.lines, estimate.lines):
        entry.form.line_id.data = str(line.id)


def _save(form: EstimateForm, estimate: Estimate | None, problems: dict) -> str | None:
    """Validate and save, with each line's new photos and files; return the estimate's page,
    or None with the errors on the form (and a refused upload's in `problems`, at its row):
    then nothing is stored."""
    valid = form.validate_on_submit()
    ready = editing.line_uploads(form, estimate, problems)
    if not valid or ready is None:
        return None
    lines = editing.posted_lines_with_ids(form)
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
    staff = CONSOLE.author()
    try:
        if estimate is None:
            estimate = service.create_draft(g.shop.id, values, lines, form.submission_key.data)
            said = (f"Draft {estimate.number} saved. Send it to the customer when it is ready.",
                    "success")
        elif estimate.status == Estimate.DRAFT:
            service.update_draft(estimate, values, lines)
            said = (f"Draft {estimate.number} saved.", "success")
        else:
            based_on = version_number(form.based_on.data)
            told = service.revise(estimate, staff, values, lines, based_on)
            if told is not None:
                said = (Markup("{} is now version {}. What changed: ").format(
                    estimate.number, estimate.version)
                    + recipients.emailed(told, estimate.customer, "estimates"), "success")
            else:
                said = ("Nothing changed, so no new version was sent.", "info")
    except EstimateStateError as problem:
        db.session.rollback()
        form.form_errors.append(str(problem))
        return None
    added = editing.attach_line_files(ready, form, estimate, estimate.lines, staff)
    db.session.commit()
    message, category = said
    if added and category == "info":  # photos are not a new version: the customer sees them
        message, category = "Photos and files saved; nothing else changed, so no new version " \
            "was sent.", "success"
    flash(message + editing.files_added(added), category)
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
    problems: dict = {}
    line_files = attachments.by_part(attachments.of_document(estimate), "estimate_line_id") \
        if estimate is not None else {}
    return editing.lines_form_page(form, "estimates/form.html",
                                   lambda: _save(form, estimate, problems), estimate=estimate,
                                   file_problems=problems, line_files=line_files)


@console.route("/estimates/new", methods=["GET", "POST"])
@files.takes_files
def new():
    """Write a new estimate draft."""
    return _edit(None)


@console.route(ESTIMATE + "/edit", methods=["GET", "POST"])
@files.takes_files
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


@console.post(ESTIMATE + "/files/<int:file_id>/remove")
@files.takes_files  # the editor's Remove posts the whole form
def remove_file(estimate_id: int, file_id: int):
    """Remove one photo or file of the estimate (of one of its lines); back to the editor when
    it was removed there (?back=edit), else to the estimate's page."""
    estimate = load(CONSOLE, estimate_id)
    files.remove(estimate, file_id)
    if request.args.get("back") == "edit" and estimate.status in Estimate.EDITABLE:
        return see_other(CONSOLE.url("estimates.edit", estimate_id=estimate.id))
    return see_other(CONSOLE.url("estimates.detail", estimate_id=estimate.id))
