"""The customer's decision, shared by estimates and the additional work of work orders: read
the form, check the version seen, record the decision once, and answer 409 with the reason
(and what changed) when it can't be taken."""

from __future__ import annotations

from flask import flash, g, request

from portal_app.blueprints.documents.forms import DecisionForm
from portal_app.blueprints.documents.threads import document_url
from portal_app.extensions import db
from portal_app.web.ids import parse_id
from portal_app.models import Estimate
from portal_app.web.rendering import render, see_other
from portal_app.services import approvals
from portal_app.services.approvals import CHOICES, DecisionRefused, Signature


def ticked_lines() -> set[int]:
    """The ids of the ticked optional lines (anything that is not an id is ignored)."""
    return {ident for ident in map(parse_id, request.form.getlist("line")) if ident}


def _rules(document):
    """How a decision on this document is checked and recorded, the version (or round) it is
    tied to now and the lines it decides on."""
    if isinstance(document, Estimate):
        return (approvals.check_estimate, approvals.decide_estimate, document.version,
                document.lines)
    return (approvals.check_additional_work, approvals.decide_additional_work,
            document.approval_round, document.pending_lines)


def total(audience, document, page_context, template: str):
    """The totals of the ticked lines (htmx: the totals block; else the page, ticks and typing
    kept). From a page of a version that is no longer current: 409, and what changed."""
    form = DecisionForm()
    check, _, current, _ = _rules(document)
    if form.version.data is not None and form.version.data != current:
        try:
            check(document, form.version.data)
        except DecisionRefused as refused:
            # htmx swaps only the totals: they say it; the whole page has its notice on top.
            return render(template, "totals", status=409, stale_totals=refused,
                          **page_context(audience, document, refusal=refused))
    return render(template, "totals", **page_context(audience, document, decision_form=form,
                                                     ticked=ticked_lines()))


def decide(audience, load, page_context, template: str):
    """Handle a posted decision on the estimate or work order load() loads."""
    document = load()
    check, record, _, lines = _rules(document)
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
    try:
        approval = record(document, seen, choice, ticked, signature)
    except DecisionRefused as refused:
        db.session.rollback()  # the other decision won a moment ago
        return _refused(audience, load(), refused, page_context, template)
    db.session.commit()
    flash(_thanks(document, approval), "success")
    return see_other(document_url(audience, document) + "#decision")


def _thanks(document, approval) -> str:
    what = (f"{document.number} (version {approval.version})" if isinstance(document, Estimate)
            else f"the additional work on {document.number}")
    if approval.decision == "declined":
        return f"You declined {what}. {g.shop.name} has your reason."
    return f"Thank you, {approval.signed_name}. {g.shop.name} has your approval of {what}."


def _refused(audience, document, refused: DecisionRefused, page_context, template: str):
    return render(template, status=409, **page_context(audience, document, refusal=refused))
