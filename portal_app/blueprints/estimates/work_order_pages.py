"""Work order pages, written once for both audiences: the list, the work order's page (status,
lines, additional work awaiting approval, receipts, thread), the printable view and comments.
The portal adds the decision on additional work, the same way as on estimates."""

from __future__ import annotations

from flask import request
from sqlalchemy.orm import joinedload, selectinload

from portal_app.web.audience import PORTAL, Pages
from portal_app.blueprints.estimates import work_orders_bp as bp
from portal_app.blueprints.estimates import deciding, lists, threads
from portal_app.blueprints.estimates.threads import comment_form
from portal_app.blueprints.estimates.forms import (
    DecisionForm,
    WorkOrderStatusForm,
)
from portal_app.blueprints.staff import bp as console
from portal_app.extensions import comment_limit
from portal_app.web.ids import id_arg
from portal_app.models import Approval, WorkOrder
from portal_app.web.rendering import render
from portal_app.services import approvals, comments
from portal_app.clock import today

pages = Pages(portal=bp, console=console)
WORK_ORDER = "/work-orders/<int:work_order_id>"
FILTERS = ("open", "in_progress", "awaiting_approval", "completed", "closed")
PER_PAGE = 25


@pages.route("work_orders", portal=("/work-orders", "index"),
             console=("/work-orders", "work_orders"))
def index(audience):
    """The work orders: in the portal what waits for approval first; in the console the newest
    first, filtered by status, customer and number."""
    status = request.args.get("status", "")
    values = {"status": status if status in FILTERS else "",
              "q": request.args.get("q", "").strip()[:100],
              "customer_id": id_arg(request.args, "customer_id")
              if audience.may("see_all_customers") else None,
              "asset_id": id_arg(request.args, "asset_id")}
    params = {key: value for key, value in values.items() if value}
    status = values["status"]
    page = lists.listing(
        audience, WorkOrder, values, "WO-", day=None, per_page=PER_PAGE,
        waits=lambda on: WorkOrder.status == WorkOrder.AWAITING,
        narrow=lambda query, on: query.where(WorkOrder.status == status) if status else query)
    filtered = lists.listed_customer(audience, values)
    return render("work_orders/index.html", "results", audience=audience, page=page,
                  values=values, params=params, filters=FILTERS, for_customer=filtered)


def load(audience, work_order_id: int) -> WorkOrder:
    """The work order with everything its page shows, in three queries."""
    return audience.get_or_404(
        WorkOrder, work_order_id, joinedload(WorkOrder.customer),
        joinedload(WorkOrder.location), joinedload(WorkOrder.asset),
        joinedload(WorkOrder.estimate), joinedload(WorkOrder.service_request),
        selectinload(WorkOrder.lines),
        selectinload(WorkOrder.approvals).joinedload(Approval.contact))


def page_context(audience, work_order: WorkOrder, *, decision_form=None, ticked=None,
                 refusal=None, form=None, status_form=None) -> dict:
    """Everything the work order's page shows to this audience."""
    ticked = ticked if ticked is not None else set()
    pending = work_order.pending_lines
    deciding = audience.may("approve") and work_order.status == WorkOrder.AWAITING \
        and bool(pending)
    # Forms are made only where the page shows them (each costs WTForms' field setup).
    if decision_form is None and deciding:
        decision_form = DecisionForm(formdata=None, version=work_order.approval_round)
    if status_form is None and audience.may("change_status"):
        status_form = WorkOrderStatusForm(formdata=None, status=work_order.status)
    return {"audience": audience, "work_order": work_order, "customer": work_order.customer,
            "today": today(), "pending": pending, "ticked": ticked, "refusal": refusal,
            "deciding": deciding, "decision_form": decision_form,
            "totals": approvals.totals(pending, ticked), "status_form": status_form,
            "comments": comments.thread(work_order), "form": form or comment_form(audience)}


@pages.route("work_order", portal=(WORK_ORDER, "detail"), console=(WORK_ORDER, "work_order"))
def detail(audience, work_order_id: int):
    """A work order: status, lines, additional work awaiting approval and the thread."""
    return render("work_orders/detail.html",
                  **page_context(audience, load(audience, work_order_id)))


@pages.route("work_order_print", portal=(WORK_ORDER + "/print", "print_view"),
             console=(WORK_ORDER + "/print", "print_work_order"))
def print_view(audience, work_order_id: int):
    """The work order on paper."""
    work_order = load(audience, work_order_id)
    return render("documents/print.html", audience=audience, document=work_order,
                  title=f"Work order {work_order.number}", lines=work_order.lines,
                  approval=None, state=work_order.status, labels="work_order",
                  back=audience.url("work_order", work_order_id=work_order.id))


@pages.route("work_order_comment", portal=(WORK_ORDER + "/comments", "comment"),
             console=(WORK_ORDER + "/reply", "reply_work_order"), methods=("POST",))
@comment_limit
def comment(audience, work_order_id: int):
    """Post a comment (customer) or a reply (staff) on the work order."""
    return threads.post_comment(audience, "work_order", work_order_id, load, page_context,
                                "work_orders/detail.html")


@bp.post(WORK_ORDER + "/total")
def total(work_order_id: int):
    """The total of the ticked additional work (htmx: the totals block; else the page)."""
    return deciding.total(PORTAL, "work_order", load(PORTAL, work_order_id), page_context,
                          "work_orders/detail.html")


PORTAL.endpoints["work_order_total"] = "work_orders.total"


@bp.post(WORK_ORDER + "/decision")
def decision(work_order_id: int):
    """Approve all, approve selected or decline the additional work."""
    return deciding.decide(PORTAL, "work_order", lambda: load(PORTAL, work_order_id),
                           page_context, "work_orders/detail.html")


PORTAL.endpoints["work_order_decision"] = "work_orders.decision"
