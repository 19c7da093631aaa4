"""Service request pages, written once for both audiences: the customer's list of their
requests and the console's inbox (open ones first, filtered by status), a request's page with
its facts, its thread and, in the console, what staff do with it."""

from __future__ import annotations

from flask import g, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal_app.blueprints.documents import pages
from portal_app.blueprints.documents.threads import comment_form
from portal_app.blueprints.requests import bp, console
from portal_app.blueprints.requests.forms import CloseForm, ConvertForm, ScheduleForm
from portal_app.data import search
from portal_app.models import Asset, Customer, ServiceRequest
from portal_app.services import attachments, comments
from portal_app.services import service_requests as service
from portal_app.web.audience import Pages
from portal_app.web.ids import parse_id
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render

routes = Pages(portal=bp, console=console)
VIEWS = {"open": (ServiceRequest.SUBMITTED, ServiceRequest.SCHEDULED),
         "all": tuple(ServiceRequest.STATUS_LABELS),
         "submitted": (ServiceRequest.SUBMITTED,), "scheduled": (ServiceRequest.SCHEDULED,),
         "converted": (ServiceRequest.CONVERTED,), "closed": (ServiceRequest.CLOSED,)}
VIEW_LABELS = {"open": "Open", "all": "All", **ServiceRequest.STATUS_LABELS}


def _matching(audience, query, text: str):
    """The requests whose unit's number starts with `text`, or numbered `text` ("12", "#12");
    in the console also those of a customer whose name starts with it."""
    branches = [search.Branch(ServiceRequest.asset_id, among=select(Asset.id).where(
        Asset.shop_id == g.shop.id, search.starts_with(Asset.unit_number_key, text)))]
    number = parse_id(text.removeprefix("#"))
    if number is not None:
        branches.append(search.Branch(ServiceRequest.id, among=select(ServiceRequest.id).where(
            ServiceRequest.id == number)))
    if audience.may("see_all_customers"):
        branches.append(search.Branch(ServiceRequest.customer_id, among=select(Customer.id).where(
            Customer.shop_id == g.shop.id, search.starts_with(Customer.name_key, text))))
    return search.matching(query, ServiceRequest.id, branches, text)


@routes.route("/requests")
def index(audience):
    """The requests, newest first, by status and the search box: all of the customer's in the
    portal; in the console the shop's, open ones by default."""
    query = audience.select(ServiceRequest)
    if audience.may("schedule"):
        view = request.args.get("status", "open")
        view = view if view in VIEWS else "open"
        statuses, all_label = list(VIEWS), None
    else:
        view = request.args.get("status", "")
        view = view if view in ServiceRequest.STATUS_LABELS else ""
        statuses, all_label = list(ServiceRequest.STATUS_LABELS), "All"
    if view:
        query = query.where(ServiceRequest.status.in_(VIEWS[view]))
    q = request.args.get("q", "").strip()[:100]
    if q:
        query = _matching(audience, query, q)
    query = query.options(joinedload(ServiceRequest.location), joinedload(ServiceRequest.asset),
                          *audience.with_customer(ServiceRequest))
    page = paginate(query.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc()),
                    25)
    values = {"status": view, "q": q}
    return render("requests/index.html", "results", audience=audience, page=page,
                  values=values, params={k: v for k, v in values.items() if v},
                  statuses=statuses, labels=VIEW_LABELS, all_label=all_label)


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
               "files": attachments.by_part(attachments.of_document(item)).get(None, []),
               "form": form or comment_form(audience)}
    if audience.may("schedule"):
        context.update(schedule_form=ScheduleForm(formdata=None, scheduled_for=item.scheduled_for),
                       convert_form=ConvertForm(formdata=None), close_form=CloseForm(formdata=None))
        context.update(forms)
    return context


pages.register(routes, bp, "/requests/<int:request_id>", pages.Document(
    "item", load, page_context, "requests/detail.html", post=service.post_comment))
