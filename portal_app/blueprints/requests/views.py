"""Service request pages, written once for both audiences: the customer's list of their
requests and the console's inbox (open ones first, filtered by status), a request's page with
its facts, its thread and, in the console, what staff do with it."""

from __future__ import annotations

from flask import request
from sqlalchemy.orm import joinedload

from portal_app.blueprints.documents import pages
from portal_app.blueprints.documents.threads import comment_form
from portal_app.blueprints.requests import bp, console
from portal_app.blueprints.requests.forms import CloseForm, ConvertForm, ScheduleForm
from portal_app.models import ServiceRequest
from portal_app.services import comments
from portal_app.services import service_requests as service
from portal_app.web.audience import Pages
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render

routes = Pages(portal=bp, console=console)
VIEWS = {"open": (ServiceRequest.SUBMITTED, ServiceRequest.SCHEDULED),
         "submitted": (ServiceRequest.SUBMITTED,), "scheduled": (ServiceRequest.SCHEDULED,),
         "converted": (ServiceRequest.CONVERTED,), "closed": (ServiceRequest.CLOSED,)}


@routes.route("/requests")
def index(audience):
    """The requests, newest first: all of the customer's in the portal; in the console the
    shop's, open ones by default, by status."""
    query = audience.select(ServiceRequest).options(
        joinedload(ServiceRequest.location), joinedload(ServiceRequest.asset),
        *audience.with_customer(ServiceRequest))
    view = None
    if audience.may("schedule"):
        view = request.args.get("status", "open")
        view = view if view in VIEWS else "open"
        query = query.where(ServiceRequest.status.in_(VIEWS[view]))
    page = paginate(query.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc()),
                    25)
    return render("requests/index.html", audience=audience, page=page, view=view,
                  views=list(VIEWS))


def load(audience, request_id: int) -> ServiceRequest:
    """The request with everything its page shows; another customer's or shop's is a 404."""
    return audience.get_or_404(
        ServiceRequest, request_id, joinedload(ServiceRequest.location),
        joinedload(ServiceRequest.asset), joinedload(ServiceRequest.contact),
        *audience.with_customer(ServiceRequest), joinedload(ServiceRequest.work_order))


def page_context(audience, item: ServiceRequest, *, form=None, **forms) -> dict:
    """The request's page: its facts and thread, and in the console the forms of what staff
    do with it (`forms` the ones posted with errors)."""
    context = {"audience": audience, "item": item, "customer": item.customer,
               "comments": comments.thread(item),
               "form": form or comment_form(audience, messages=True)}
    if audience.may("schedule"):
        context.update(schedule_form=ScheduleForm(formdata=None, scheduled_for=item.scheduled_for),
                       convert_form=ConvertForm(formdata=None), close_form=CloseForm(formdata=None))
        context.update(forms)
    return context


pages.register(routes, bp, "/requests/<int:request_id>", pages.Document(
    "item", load, page_context, "requests/detail.html", post=service.post_comment,
    messages=True))
