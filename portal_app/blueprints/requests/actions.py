"""What staff do with a service request in the console: schedule the visit, convert it into a
work order, close it. Each change emails the contact who made the request."""

from __future__ import annotations

from flask import flash
from flask_login import current_user

from portal_app.blueprints.requests import console
from portal_app.blueprints.requests.forms import CloseForm, ConvertForm, ScheduleForm
from portal_app.blueprints.requests.views import load, page_context
from portal_app.extensions import db
from portal_app.services import service_requests as service
from portal_app.services.work_orders import WorkOrderStateError
from portal_app.web.audience import CONSOLE
from portal_app.web.rendering import render, see_other

REQUEST = "/requests/<int:request_id>"


def _act(request_id: int, form_class, form_name: str, apply, done: str | None = None,
         refused: str | None = None):
    """Run one staff action from its form (PRG): apply(item, form) changes the request; then
    back to the request saying `done` and whether the requester was emailed, or, without
    `done`, to where apply() returns, saying what it returns ((url, message)). The page with the form's errors (422) if invalid, or when the
    work order refuses (WorkOrderStateError: its message next to the field `refused`)."""
    item = load(CONSOLE, request_id)
    form = form_class()
    if form.validate_on_submit():
        try:
            result = apply(item, form)
        except WorkOrderStateError as problem:
            if refused is None:
                raise
            db.session.rollback()
            form[refused].errors.append(str(problem))
            item = load(CONSOLE, request_id)
        else:
            db.session.commit()
            target, message = result if done is None else \
                (CONSOLE.url("requests.detail", request_id=item.id), f"{done} {_told(item)}")
            flash(message, "success")
            return see_other(target)
    return render("requests/detail.html", status=422,
                  **page_context(CONSOLE, item, **{form_name: form}))


@console.post(REQUEST + "/schedule")
def schedule(request_id: int):
    """Schedule the visit on a date."""
    return _act(request_id, ScheduleForm, "schedule_form", lambda item, form: service.schedule(
        item, current_user, form.scheduled_for.data), done="Request scheduled.")


@console.post(REQUEST + "/convert")
def convert(request_id: int):
    """Open a work order for the request (or link one of the customer's) and mark it
    converted; a second click finds the work order made by the first."""
    def converted(item, form):
        work_order = service.mark_converted(item, current_user, form.existing.data or None)
        return (CONSOLE.url("work_orders.detail", work_order_id=work_order.id),
                f"Request converted to work order {work_order.number}. {_told(item)}")

    return _act(request_id, ConvertForm, "convert_form", converted, refused="existing")


@console.post(REQUEST + "/close")
def close(request_id: int):
    """Close the request with a note to the customer."""
    return _act(request_id, CloseForm, "close_form", lambda item, form: service.close(
        item, current_user, form.note.data), done="Request closed.")


def _told(item) -> str:
    """Whether the contact who made the request was emailed about this update."""
    contact = service.requester_told(item, "requests")
    if contact is not None:
        return f"{contact.name} was emailed."
    return ("Nobody was emailed: the contact who made the request has no portal access, or "
            "does not want request updates.")
