"""What only staff do with work orders: change the status, edit the work and its lines, and
"Request approval" for additional work (lines that wait for the customer, who is emailed)."""

from __future__ import annotations

from flask import flash, request

from portal_app.web.audience import Pages
from portal_app.blueprints.estimates import work_orders_bp
from portal_app.blueprints.estimates.forms import (
    AdditionalWorkForm,
    WorkOrderForm,
    WorkOrderStatusForm,
    posted_lines,
)
from portal_app.blueprints.estimates.work_order_pages import load, page_context
from portal_app.blueprints.staff import bp as console
from portal_app.web.ids import version_number
from portal_app.extensions import db
from portal_app.models import WORK_ORDER_LABELS, WorkOrderLine
from portal_app.web.rendering import render, see_other
from portal_app.services import work_orders as service
from portal_app.services.work_orders import WorkOrderStateError

pages = Pages(portal=work_orders_bp, console=console)
WORK_ORDER = "/work-orders/<int:work_order_id>"
BLANK_LINES = 3


@pages.route("work_order_status", console=(WORK_ORDER + "/status", "work_order_status"),
             methods=("POST",))
def change_status(audience, work_order_id: int):
    """Move the work order to Open, In progress, Completed or Closed."""
    work_order = load(audience, work_order_id)
    form = WorkOrderStatusForm()
    if not form.validate_on_submit():
        return render("work_orders/detail.html", status=422,
                      **page_context(audience, work_order, status_form=form))
    try:
        service.set_status(work_order, form.status.data)
    except WorkOrderStateError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(f"{work_order.number} is now "
              f"{WORK_ORDER_LABELS['console'][work_order.status].lower()}.", "success")
    return see_other(audience.url("work_order", work_order_id=work_order_id))


def _fill(form, lines) -> None:
    while len(form.lines) < len(lines) + BLANK_LINES:
        form.lines.append_entry()
    for entry, line in zip(form.lines, lines):
        entry.form.description.data, entry.form.quantity.data = line.description, line.quantity
        entry.form.unit_price.data = f"{line.unit_price_cents / 100:.2f}"


@pages.route("edit_work_order", console=(WORK_ORDER + "/edit", "edit_work_order"),
             methods=("GET", "POST"))
def edit(audience, work_order_id: int):
    """Change the work to do and the approved lines (additional work keeps its approval)."""
    work_order = load(audience, work_order_id)
    form = WorkOrderForm()
    if request.method == "GET":
        form.description.data = work_order.description
        _fill(form, [line for line in work_order.lines
                     if line.approval_state == WorkOrderLine.APPROVED])
    elif request.form.get("action") == "more_lines":
        for _ in range(BLANK_LINES):
            form.lines.append_entry()
    elif form.validate_on_submit():
        service.update_lines(work_order, form.description.data or "", posted_lines(form))
        db.session.commit()
        flash(f"{work_order.number} saved.", "success")
        return see_other(audience.url("work_order", work_order_id=work_order_id))
    failed = request.method == "POST" and request.form.get("action") != "more_lines"
    return render("staff/work_orders/form.html", form=form, work_order=work_order,
                  audience=audience, status=422 if failed else 200)


@pages.route("request_approval", console=(WORK_ORDER + "/additional-work", "request_approval"),
             methods=("GET", "POST"))
def request_approval(audience, work_order_id: int):
    """Add additional work that waits for the customer's approval; the customer is emailed."""
    work_order = load(audience, work_order_id)
    form = AdditionalWorkForm()
    if request.method == "GET":
        form.based_on.data = str(work_order.approval_round)
    elif request.form.get("action") == "more_lines":
        for _ in range(BLANK_LINES):
            form.lines.append_entry()
    elif form.validate_on_submit():
        based_on = version_number(form.based_on.data)
        try:
            sent = service.request_approval(work_order, posted_lines(form),
                                            form.note.data or "", based_on)
        except WorkOrderStateError as problem:
            db.session.rollback()
            if based_on != work_order.approval_round and work_order.pending_lines:
                flash(str(problem), "info")  # a second click: the first one sent it
                return see_other(audience.url("work_order", work_order_id=work_order_id))
            form.form_errors.append(str(problem))
        else:
            db.session.commit()
            flash(f"Additional work sent for approval; emailed to {sent} contact"
                  f"{'s' if sent != 1 else ''}.", "success")
            return see_other(audience.url("work_order", work_order_id=work_order_id))
    failed = request.method == "POST" and request.form.get("action") != "more_lines"
    return render("staff/work_orders/additional_work.html", form=form, work_order=work_order,
                  audience=audience, status=422 if failed else 200)
