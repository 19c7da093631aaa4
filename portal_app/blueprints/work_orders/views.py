"""Work order pages, written once for both audiences: the list, the work order's page (status,
lines, additional work awaiting approval, receipts, thread), the printable view and comments
(documents.pages). The portal adds the decision on additional work, the same way as on
estimates."""

from __future__ import annotations

from portal_app.blueprints.documents import lists, pages, recipients
from portal_app.blueprints.work_orders import bp, console
from portal_app.blueprints.work_orders.forms import WorkOrderStatusForm
from portal_app.models import WorkOrder
from portal_app.services import attachments
from portal_app.web.audience import Pages
from portal_app.web.rendering import render

routes = Pages(portal=bp, console=console)
FILTERS = ("open", "in_progress", "awaiting_approval", "completed", "closed")


@routes.route("/work-orders")
def index(audience):
    """The work orders: in the portal what waits for approval first; in the console the newest
    first, filtered by status, customer and number."""
    values, params = lists.list_filters(audience, FILTERS)
    page = lists.listing(audience, WorkOrder, values, number_prefix="WO-", day=None,
                         order=(WorkOrder.id.desc(),))
    return render("work_orders/index.html", "results", audience=audience, page=page,
                  values=values, params=params, statuses=FILTERS,
                  for_customer=lists.listed_customer(audience, values))


def load(audience, work_order_id: int) -> WorkOrder:
    """The work order with everything its page shows."""
    return pages.load_decided(audience, WorkOrder, work_order_id, WorkOrder.estimate,
                              WorkOrder.service_request, WorkOrder.invoice)


def page_context(audience, work_order: WorkOrder, *, status_form=None, **shown) -> dict:
    """Everything the work order's page shows to this audience: the additional work waiting
    for the customer's decision, and the status form where the audience changes it."""
    pending = work_order.pending_lines
    files = attachments.of_document(work_order)  # once: the work order's own and its lines'
    shown.setdefault("line_files", attachments.by_part(files, "work_order_line_id"))
    shown.setdefault("own_files", attachments.by_part(files).get(None, []))
    if status_form is None and audience.may("change_status"):  # made only where it shows
        status_form = WorkOrderStatusForm(formdata=None, status=work_order.status)
    return pages.decided_context(
        audience, "work_order", work_order, waiting=pending, version=work_order.approval_round,
        deciding=audience.may("approve") and work_order.status == WorkOrder.AWAITING
        and bool(pending), pending=pending, status_form=status_form,
        emails_to=recipients.who_gets(work_order, "work order", "estimates")
        if audience.may("request_approval") else None, **shown)


pages.register(routes, bp, "/work-orders/<int:work_order_id>", pages.Document(
    "work_order", load, page_context, "work_orders/detail.html", "work_orders/print.html"),
    decided=True)
