"""Estimate pages, written once for both audiences: the list, the estimate's page with its
receipt and thread, the printable view and posting a comment. The portal adds the decision:
the total that follows the ticked optional lines, and Approve all / Approve selected / Decline
tied to the version the customer saw."""

from __future__ import annotations

from flask import request
from sqlalchemy import and_, or_
from sqlalchemy.orm import joinedload, selectinload

from portal_app.web.audience import PORTAL, Pages
from portal_app.blueprints.estimates import bp
from portal_app.blueprints.estimates import deciding, lists, threads
from portal_app.blueprints.estimates.threads import comment_form
from portal_app.blueprints.estimates.forms import DecisionForm
from portal_app.blueprints.staff import bp as console
from portal_app.extensions import comment_limit
from portal_app.web.ids import id_arg
from portal_app.models import Approval, Estimate
from portal_app.web.rendering import render
from portal_app.services import approvals, comments
from portal_app.clock import today

pages = Pages(portal=bp, console=console)
ESTIMATE = "/estimates/<int:estimate_id>"
PORTAL_FILTERS = ("sent", "approved", "partially_approved", "declined", "expired", "converted")
CONSOLE_FILTERS = ("draft",) + PORTAL_FILTERS
PER_PAGE = 25


def waiting(day):
    """SQL: sent and not past its valid-until date (what the customer still has to decide)."""
    return and_(Estimate.status == Estimate.SENT,
                or_(Estimate.valid_until.is_(None), Estimate.valid_until >= day))


def with_status(query, status: str, day):
    if status == Estimate.SENT:
        return query.where(waiting(day))
    if status == Estimate.EXPIRED:
        return query.where(Estimate.status == Estimate.SENT, Estimate.valid_until < day)
    return query.where(Estimate.status == status)


def list_filters(audience) -> tuple[dict, dict]:
    """The list's filters from the query string, cleaned: (values, params for links)."""
    allowed = CONSOLE_FILTERS if audience.may("see_drafts") else PORTAL_FILTERS
    status = request.args.get("status", "")
    values = {"status": status if status in allowed else "",
              "q": request.args.get("q", "").strip()[:100],
              "customer_id": id_arg(request.args, "customer_id"),
              "asset_id": id_arg(request.args, "asset_id")}
    if not audience.may("see_all_customers"):
        values["customer_id"] = None
    params = {key: value for key, value in values.items() if value}
    return values, params


@pages.route("estimates", portal=("/estimates", "index"), console=("/estimates", "estimates"))
def index(audience):
    """The estimates: in the portal what waits for approval first; in the console the newest
    first, filtered by status, customer and number."""
    day = today()
    values, params = list_filters(audience)
    status = values["status"]
    page = lists.listing(
        audience, Estimate, values, "EST-", day=day, per_page=PER_PAGE, waits=waiting,
        narrow=lambda query, on: with_status(query, status, on) if status else query)
    filtered = lists.listed_customer(audience, values)
    return render("estimates/index.html", "results", audience=audience, page=page,
                  values=values, params=params, today=day, for_customer=filtered,
                  filters=CONSOLE_FILTERS if audience.may("see_drafts") else PORTAL_FILTERS)


def load(audience, estimate_id: int) -> Estimate:
    """The estimate with everything its page shows, in three queries."""
    return audience.get_or_404(
        Estimate, estimate_id, joinedload(Estimate.customer), joinedload(Estimate.location),
        joinedload(Estimate.asset), joinedload(Estimate.current),
        joinedload(Estimate.work_order), selectinload(Estimate.lines),
        selectinload(Estimate.approvals).joinedload(Approval.contact))


def page_context(audience, estimate: Estimate, *, decision_form=None, ticked=None,
                 refusal=None, form=None) -> dict:
    """Everything the estimate's page shows to this audience."""
    day = today()
    state = estimate.status_on(day)
    ticked = ticked if ticked is not None else set()
    deciding = audience.may("approve") and state == Estimate.SENT
    if decision_form is None and deciding:  # made only where the page shows it
        decision_form = DecisionForm(formdata=None, version=estimate.version)
    return {"audience": audience, "estimate": estimate, "customer": estimate.customer,
            "state": state, "today": day, "ticked": ticked, "refusal": refusal,
            "deciding": deciding, "decision_form": decision_form,
            "totals": approvals.totals(estimate.lines, ticked),
            "comments": comments.thread(estimate), "form": form or comment_form(audience)}


@pages.route("estimate", portal=(ESTIMATE, "detail"), console=(ESTIMATE, "estimate"))
def detail(audience, estimate_id: int):
    """An estimate: its lines, what changed in this version, the decision and the thread."""
    return render("estimates/detail.html", **page_context(audience, load(audience, estimate_id)))


@pages.route("estimate_print", portal=(ESTIMATE + "/print", "print_view"),
             console=(ESTIMATE + "/print", "print_estimate"))
def print_view(audience, estimate_id: int):
    """The estimate on paper: no navigation, a print stylesheet."""
    estimate = load(audience, estimate_id)
    return render("documents/print.html", audience=audience, document=estimate,
                  title=f"Estimate {estimate.number}", lines=estimate.lines,
                  approval=estimate.decision, state=estimate.status_on(today()),
                  labels="estimate", back=audience.url("estimate", estimate_id=estimate.id))


@pages.route("estimate_comment", portal=(ESTIMATE + "/comments", "comment"),
             console=(ESTIMATE + "/reply", "reply_estimate"), methods=("POST",))
@comment_limit
def comment(audience, estimate_id: int):
    """Post a comment (customer) or a reply (staff) on the estimate."""
    return threads.post_comment(audience, "estimate", estimate_id, load, page_context,
                                "estimates/detail.html")


@bp.post(ESTIMATE + "/total")
def total(estimate_id: int):
    """The total of the required lines and the ticked optional ones: htmx gets the totals
    block; "Update total" with JavaScript off gets the page with the ticks and typing kept."""
    return deciding.total(PORTAL, "estimate", load(PORTAL, estimate_id), page_context,
                          "estimates/detail.html")


PORTAL.endpoints["estimate_total"] = "estimates.total"


@bp.post(ESTIMATE + "/decision")
def decision(estimate_id: int):
    """Approve all, approve selected or decline the version the customer saw."""
    return deciding.decide(PORTAL, "estimate", lambda: load(PORTAL, estimate_id), page_context,
                           "estimates/detail.html")


PORTAL.endpoints["estimate_decision"] = "estimates.decision"
