"""The customer's decision, shared by estimates and the additional work of work orders: read
the form, check the version seen, record the decision once, and answer 409 with the reason
(and what changed) when it can't be taken."""

from __future__ import annotations

from flask import flash, g, request

from portal_app.blueprints.estimates.forms import DecisionForm
from portal_app.extensions import db
from portal_app.web.ids import parse_id
from portal_app.models import Estimate
from portal_app.web.rendering import render, see_other
from portal_app.services import approvals
from portal_app.services.approvals import CHOICES, DecisionRefused, Signature


def ticked_lines() -> set[int]:
    """The ids of the ticked optional lines (anything that is not an id is ignored)."""
    return {ident for ident in map(parse_id, request.form.getlist("line")) if ident}


def total(audience, kind: str, document, page_context, template: str):
    """The totals of the ticked lines (htmx: the totals block; else the page, ticks and typing
    kept). From a page of a version that is no longer current: 409, and what changed."""
    form = DecisionForm()
    check = approvals.check_estimate if kind == "estimate" else approvals.check_additional_work
    current = document.version if kind == "estimate" else document.approval_round
    if form.version.data is not None and form.version.data != current:
        try:
            check(document, form.version.data)
        except DecisionRefused as refused:
            # htmx swaps only the totals: they say it; the whole page has its notice on top.
            return render(template, "totals", status=409, stale_totals=refused,
                          **page_context(audience, document, refusal=refused))
    return render(template, "totals", **page_context(audience, document, decision_form=form,
                                                     ticked=ticked_lines()))


def decide(audience, kind: str, load, page_context, template: str):
    """Handle a posted decision on `kind` ("estimate" or "work_order") loaded by load()."""
    document = load()
    is_estimate = kind == "estimate"
    check = approvals.check_estimate if is_estimate else approvals.check_additional_work
    form = DecisionForm()
    ticked = ticked_lines()
    choice = request.form.get("decision", "")
    seen = form.version.data
    if seen is None:
        form.form_errors.append("This form is out of date. Reload the page and decide again.")
        return render(template, status=422, **page_context(audience, document,
                                                            decision_form=form, ticked=ticked))
    try:
        check(document, seen)
    except DecisionRefused as refused:
        return _refused(audience, document, refused, page_context, template)
    valid = form.validate()
    if choice not in CHOICES:
        form.form_errors.append("Choose Approve all, Approve selected or Decline.")
        valid = False
    if choice == "decline" and not form.reason.data:
        form.reason.errors.append(f"Tell {g.shop.name} why you decline, so they can offer "
                                  "something else.")
        valid = False
    lines = document.lines if is_estimate else document.pending_lines
    if choice == "approve_selected" and not any(
            not line.optional or line.id in ticked for line in lines):
        form.form_errors.append("Tick the lines you approve, or press Decline.")
        valid = False
    if not valid:
        return render(template, status=422, **page_context(audience, document,
                                                            decision_form=form, ticked=ticked))
    signature = Signature(contact=g.contact, signed_name=form.signed_name.data,
                          po_number=form.po_number.data or None,
                          reason=form.reason.data or None, ip_address=request.remote_addr,
                          user_agent=(request.user_agent.string or "")[:300] or None)
    record = approvals.decide_estimate if is_estimate else approvals.decide_additional_work
    try:
        approval = record(document, seen, choice, ticked, signature)
    except DecisionRefused as refused:
        db.session.rollback()  # the other decision won a moment ago
        return _refused(audience, load(), refused, page_context, template)
    db.session.commit()
    flash(_thanks(document, approval), "success")
    page = audience.url(kind, **{f"{kind}_id": document.id})
    return see_other(page + "#decision")


def _thanks(document, approval) -> str:
    what = (f"{document.number} (version {approval.version})" if isinstance(document, Estimate)
            else f"the additional work on {document.number}")
    if approval.decision == "declined":
        return f"You declined {what}. {g.shop.name} has your reason."
    return f"Thank you, {approval.signed_name}. {g.shop.name} has your approval of {what}."


def _refused(audience, document, refused: DecisionRefused, page_context, template: str):
    return render(template, status=409, **page_context(audience, document, refusal=refused))
