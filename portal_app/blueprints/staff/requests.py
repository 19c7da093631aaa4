"""The service request inbox of the staff console: schedule, convert, close, reply. Each change
emails the contact who made the request."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal_app.web.audience import CONSOLE
from portal_app.blueprints.requests.forms import CloseForm, CommentForm, ConvertForm, ScheduleForm
from portal_app.blueprints.staff import bp
from portal_app.extensions import comment_limit, db
from portal_app.models import ServiceRequest
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render, see_other
from portal_app.services import comments
from portal_app.services import service_requests as service
from portal_app.services.work_orders import WorkOrderStateError
from portal_app.data.tenancy import shop_get_or_404, shop_select

VIEWS = {"open": (ServiceRequest.SUBMITTED, ServiceRequest.SCHEDULED),
         "submitted": (ServiceRequest.SUBMITTED,), "scheduled": (ServiceRequest.SCHEDULED,),
         "converted": (ServiceRequest.CONVERTED,), "closed": (ServiceRequest.CLOSED,)}


@bp.get("/requests")
def requests_inbox():
    """List the shop's service requests, open ones first by default."""
    view = request.args.get("status", "open")
    if view not in VIEWS:
        view = "open"
    page = paginate(
        shop_select(ServiceRequest)
        .options(joinedload(ServiceRequest.location), joinedload(ServiceRequest.asset),
                 joinedload(ServiceRequest.customer))
        .where(ServiceRequest.status.in_(VIEWS[view]))
        .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc()), 25)
    return render("staff/requests.html", page=page, view=view, views=list(VIEWS))


def _load(request_id: int) -> ServiceRequest:
    return shop_get_or_404(ServiceRequest, request_id, joinedload(ServiceRequest.location),
                           joinedload(ServiceRequest.asset),
                           joinedload(ServiceRequest.contact), joinedload(ServiceRequest.customer),
                           joinedload(ServiceRequest.work_order))


def _page(item: ServiceRequest, status: int = 200, block: str | None = None, **forms):
    """The request's page; `block` is the part an htmx post swaps (the thread)."""
    context = {"schedule_form": ScheduleForm(formdata=None, scheduled_for=item.scheduled_for),
               "convert_form": ConvertForm(formdata=None),
               "close_form": CloseForm(formdata=None), "form": CommentForm(formdata=None)}
    context.update(forms)
    return render("staff/request.html", block, status=status, item=item,
                  comments=comments.thread(item), customer=item.customer, audience=CONSOLE,
                  **context)


@bp.get("/requests/<int:request_id>")
def request_detail(request_id: int):
    """Show a request with the actions and the thread."""
    return _page(_load(request_id))


def _act(request_id: int, form_class, form_name: str, apply, message: str):
    """Run one staff action from its form: PRG on success, the page with errors (422) if not."""
    item = _load(request_id)
    form = form_class()
    if not form.validate_on_submit():
        return _page(item, 422, **{form_name: form})
    apply(item, form)
    db.session.commit()
    flash(message, "success")
    return see_other(url_for("staff.request_detail", request_id=item.id))


@bp.post("/requests/<int:request_id>/schedule")
def schedule_request(request_id: int):
    """Schedule the visit on a date."""
    return _act(request_id, ScheduleForm, "schedule_form",
                lambda item, form: service.schedule(item, current_user, form.scheduled_for.data),
                "Request scheduled; the customer was emailed.")


@bp.post("/requests/<int:request_id>/convert")
def convert_request(request_id: int):
    """Open a work order for the request (or link one of the customer's) and mark it
    converted; a second click finds the work order made by the first."""
    item = _load(request_id)
    form = ConvertForm()
    if not form.validate_on_submit():
        return _page(item, 422, convert_form=form)
    try:
        work_order = service.mark_converted(item, current_user, form.existing.data or None)
    except WorkOrderStateError as problem:
        db.session.rollback()
        form.existing.errors.append(str(problem))
        return _page(_load(request_id), 422, convert_form=form)
    db.session.commit()
    flash(f"Request converted to work order {work_order.number}; the customer was emailed.",
          "success")
    return see_other(CONSOLE.url("work_order", work_order_id=work_order.id))


@bp.post("/requests/<int:request_id>/close")
def close_request(request_id: int):
    """Close the request with a note to the customer."""
    return _act(request_id, CloseForm, "close_form",
                lambda item, form: service.close(item, current_user, form.note.data),
                "Request closed; the customer was emailed.")


@bp.post("/requests/<int:request_id>/reply")
@comment_limit
def reply_request(request_id: int):
    """Reply in the request's thread; the customer is emailed."""
    item = _load(request_id)
    form = CommentForm()
    if form.validate_on_submit():
        service.reply(item, current_user, form.body.data, form.submission_key.data)
        db.session.commit()
        if not request.htmx:
            flash("Reply sent; the customer was emailed.", "success")
            return see_other(url_for("staff.request_detail", request_id=request_id))
        return _page(_load(request_id), block="thread")
    return _page(item, 422, block="thread", form=form)
