"""What only staff do with work orders: change the status, edit the work and its lines,
"Request approval" for additional work (lines that wait for the customer, who is emailed, each
with the photos and files of what was found), and the work order's own photos and files."""

from __future__ import annotations

from flask import flash
from markupsafe import Markup

from portal_app.blueprints.documents import editing, files, recipients
from portal_app.blueprints.documents.forms import fill_lines
from portal_app.blueprints.work_orders import console
from portal_app.blueprints.work_orders.forms import (
    AdditionalWorkForm,
    WorkOrderForm,
    WorkOrderStatusForm,
)
from portal_app.blueprints.work_orders.views import load, page_context
from portal_app.extensions import db
from portal_app.models import WORK_ORDER_LABELS, WorkOrderLine
from portal_app.services import attachments, invoices
from portal_app.services import work_orders as service
from portal_app.services.invoices import InvoiceStateError
from portal_app.services.work_orders import WorkOrderStateError
from portal_app.web.audience import CONSOLE
from portal_app.web.ids import version_number
from portal_app.web.rendering import render, see_other

WORK_ORDER = "/work-orders/<int:work_order_id>"


def _page(work_order_id: int) -> str:
    return CONSOLE.url("work_orders.detail", work_order_id=work_order_id)


@console.post(WORK_ORDER + "/status")
def change_status(work_order_id: int):
    """Move the work order to Open, In progress, Completed or Closed."""
    work_order = load(CONSOLE, work_order_id)
    form = WorkOrderStatusForm()
    if not form.validate_on_submit():
        return render("work_orders/detail.html", status=422,
                      **page_context(CONSOLE, work_order, status_form=form))

    def moved() -> str:
        service.set_status(work_order, form.status.data)
        return (f"{work_order.number} is now "
                f"{WORK_ORDER_LABELS['console'][work_order.status].lower()}.")

    return editing.act(moved, WorkOrderStateError, _page(work_order_id))


@console.post(WORK_ORDER + "/invoice")
def create_invoice(work_order_id: int):
    """"Create invoice": a draft invoice with the work order's approved lines, once (a second
    click, or another tab, lands on the same draft)."""
    work_order = load(CONSOLE, work_order_id)
    try:
        invoice, created = invoices.from_work_order(work_order)
    except InvoiceStateError as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return see_other(_page(work_order_id))
    db.session.commit()
    flash(f"Draft {invoice.number} created from {work_order.number}: review it and issue it."
          if created else f"{work_order.number} was invoiced already: {invoice.number}.",
          "success" if created else "info")
    return see_other(CONSOLE.url("invoices.detail", invoice_id=invoice.id))


@console.route(WORK_ORDER + "/edit", methods=["GET", "POST"])
def edit(work_order_id: int):
    """Change the work to do and the approved lines (additional work keeps its approval)."""
    work_order = load(CONSOLE, work_order_id)
    form = WorkOrderForm()

    def prefill() -> None:
        form.description.data = work_order.description
        approved = [line for line in work_order.lines
                    if line.approval_state == WorkOrderLine.APPROVED]
        fill_lines(form, approved)
        for entry, line in zip(form.lines, approved):
            entry.form.line_id.data = str(line.id)

    def save() -> str | None:
        if not form.validate_on_submit():
            return None
        service.update_lines(work_order, form.description.data or "",
                             editing.posted_lines_with_ids(form))
        db.session.commit()
        flash(f"{work_order.number} saved.", "success")
        return _page(work_order_id)

    return editing.lines_form_page(form, "work_orders/form.html", save, prefill,
                                   work_order=work_order)


@console.route(WORK_ORDER + "/additional-work", methods=["GET", "POST"])
@files.takes_files
def request_approval(work_order_id: int):
    """Add additional work that waits for the customer's approval, each line with the photos
    and files of what was found; the customer is emailed."""
    work_order = load(CONSOLE, work_order_id)
    form = AdditionalWorkForm()
    problems: dict = {}

    def prefill() -> None:
        form.based_on.data = str(work_order.approval_round)

    def save() -> str | None:
        valid = form.validate_on_submit()
        ready = editing.line_uploads(form, None, problems)  # every line is new
        if not valid or ready is None:
            return None
        based_on = version_number(form.based_on.data)
        lines = editing.posted_lines_with_ids(form)
        try:
            sent = service.request_approval(work_order, lines, form.note.data or "", based_on)
        except WorkOrderStateError as problem:
            db.session.rollback()
            if based_on != work_order.approval_round and work_order.pending_lines:
                flash(str(problem), "info")  # a second click: the first one sent it
                return _page(work_order_id)
            form.form_errors.append(str(problem))
            return None
        added = editing.attach_line_files(ready, form, work_order,
                                          work_order.lines[-len(lines):], CONSOLE.author())
        db.session.commit()
        flash(Markup("Additional work sent for approval.{} ").format(editing.files_added(added))
              + recipients.emailed(sent, work_order.customer, "estimates"), "success")
        return _page(work_order_id)

    return editing.lines_form_page(form, "work_orders/additional_work.html", save, prefill,
                                   work_order=work_order, file_problems=problems, line_files={})


@console.post(WORK_ORDER + "/files")
@files.takes_files
def add_files(work_order_id: int):
    """"Add photos or files" to the work order as a whole; a refused upload answers 422 with
    its message at the field, and nothing is stored."""
    work_order = load(CONSOLE, work_order_id)
    ready, problem = attachments.read_or_problem(already=attachments.count(work_order))
    if problem is None and not ready:
        problem = editing.NO_FILE
    if problem:
        return render("work_orders/detail.html", status=422, **page_context(
            CONSOLE, work_order, file_problem=problem))
    added = attachments.attach(ready, work_order, by=CONSOLE.author())
    db.session.commit()
    flash(f"{work_order.number}:{editing.files_added(len(added))}" if added else
          "These files were added already.", "success" if added else "info")
    return see_other(_page(work_order_id) + "#files")


@console.post(WORK_ORDER + "/files/<int:file_id>/remove")
def remove_file(work_order_id: int, file_id: int):
    """Remove one photo or file of the work order (its own or one of its lines')."""
    files.remove(load(CONSOLE, work_order_id), file_id)
    return see_other(_page(work_order_id) + "#files")
