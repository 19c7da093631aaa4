"""Estimate pages, written once for both audiences: the list, the estimate's page with its
receipt and thread, the printable view and posting a comment (documents.pages). The portal adds
the decision: the total that follows the ticked optional lines, and Approve all / Approve
selected / Decline tied to the version the customer saw."""

from __future__ import annotations

from sqlalchemy import Select, and_
from sqlalchemy.orm import contains_eager

from portal_app.blueprints.documents import lists, pages, recipients
from portal_app.blueprints.estimates import bp, console
from portal_app.clock import today
from portal_app.extensions import db
from portal_app.models import Approval, Estimate
from portal_app.services import attachments
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
                         order=(Estimate.id.desc(),), loading=with_decision)
    return render("estimates/index.html", "results", audience=audience, page=page,
                  values=values, params=params, today=day, statuses=filters,
                  for_customer=lists.listed_customer(audience, values))


def with_decision(query: Select) -> Select:
    """`query`'s estimates, each with the customer's decision on the version it shows, in the
    same SELECT: an outer join on that version's approval (at most one: an approval is unique
    per estimate and version), loaded as the estimate's only approval, so that
    `estimate.decision` and `listed_amount` need no query of their own. For rows of lists;
    an estimate's page loads every receipt (load())."""
    shown = and_(Approval.estimate_id == Estimate.id, Approval.version == Estimate.version)
    return query.outerjoin(Approval, shown).options(
        contains_eager(Estimate.approvals).load_only(
            Approval.estimate_id, Approval.version, Approval.decision,
            Approval.total_approved_cents, Approval.tax_cents, Approval.lines))


def latest(audience, count: int) -> list[Estimate]:
    """The audience's estimates the customer has been sent, the latest sent or decided first
    (the dashboards' short list)."""
    query = audience.select(Estimate).options(*audience.with_customer(Estimate)).where(
        Estimate.status != Estimate.DRAFT)
    return db.session.scalars(with_decision(query).order_by(
        Estimate.updated_at.desc(), Estimate.id.desc()).limit(count)).unique().all()


def load(audience, estimate_id: int) -> Estimate:
    """The estimate with everything its page shows."""
    return pages.load_decided(audience, Estimate, estimate_id, Estimate.current,
                              Estimate.work_order)


def page_context(audience, estimate: Estimate, **shown) -> dict:
    """Everything the estimate's page shows to this audience."""
    state = estimate.status_on(today())
    shown.setdefault("line_files", attachments.by_part(  # what was found, beside each line
        attachments.of_document(estimate), "estimate_line_id"))
    return pages.decided_context(audience, "estimate", estimate, waiting=estimate.lines,
                                 version=estimate.version, state=state,
                                 deciding=audience.may("approve") and state == Estimate.SENT,
                                 emails_to=recipients.who_gets(estimate, "estimate", "estimates")
                                 if audience.may("send") else None, **shown)


def printed(audience, estimate: Estimate) -> dict:
    return {"approval": estimate.decision, "state": estimate.status_on(today())}


pages.register(routes, bp, "/estimates/<int:estimate_id>", pages.Document(
    "estimate", load, page_context, "estimates/detail.html", "estimates/print.html", printed),
    decided=True)
