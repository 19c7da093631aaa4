"""Estimate pages, written once for both audiences: the list, the estimate's page with its
receipt and thread, the printable view and posting a comment (documents.pages). The portal adds
the decision: the total that follows the ticked optional lines, and Approve all / Approve
selected / Decline tied to the version the customer saw."""

from __future__ import annotations

from portal_app.blueprints.documents import lists, pages
from portal_app.blueprints.estimates import bp, console
from portal_app.clock import today
from portal_app.models import Estimate
from portal_app.web.audience import Pages
from portal_app.web.rendering import render

routes = Pages(portal=bp, console=console)
PORTAL_FILTERS = ("sent", "approved", "partially_approved", "declined", "expired", "converted")
CONSOLE_FILTERS = ("draft",) + PORTAL_FILTERS


@routes.route("/estimates")
def index(audience):
    """The estimates: in the portal what waits for approval first; in the console the newest
    first, filtered by status, customer and number."""
    day = today()
    filters = CONSOLE_FILTERS if audience.may("see_drafts") else PORTAL_FILTERS
    values, params = lists.list_filters(audience, filters)
    page = lists.listing(audience, Estimate, values, number_prefix="EST-", day=day,
                         order=(Estimate.id.desc(),))
    return render("estimates/index.html", "results", audience=audience, page=page,
                  values=values, params=params, today=day, statuses=filters,
                  for_customer=lists.listed_customer(audience, values))


def load(audience, estimate_id: int) -> Estimate:
    """The estimate with everything its page shows."""
    return pages.load_decided(audience, Estimate, estimate_id, Estimate.current,
                              Estimate.work_order)


def page_context(audience, estimate: Estimate, **shown) -> dict:
    """Everything the estimate's page shows to this audience."""
    state = estimate.status_on(today())
    return pages.decided_context(audience, "estimate", estimate, waiting=estimate.lines,
                                 version=estimate.version, state=state,
                                 deciding=audience.may("approve") and state == Estimate.SENT,
                                 **shown)


def printed(audience, estimate: Estimate) -> dict:
    return {"approval": estimate.decision, "state": estimate.status_on(today())}


pages.register(routes, bp, "/estimates/<int:estimate_id>", pages.Document(
    "estimate", load, page_context, "estimates/detail.html", "estimates/print.html", printed),
    decided=True)
