"""Customers decide: approve all, approve selected (optional lines are opt-in) or decline, on
the version of an estimate (or the round of additional work of a work order) they saw.

Exactly one decision per version: the document moves on with a conditional UPDATE (status and
version as the customer saw them), and approval's unique (document, version) backs it up, so
of two decisions at once one wins and the other is told. Nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal_app.extensions import db
from portal_app.models import Approval, Contact, Estimate, WorkOrder, WorkOrderLine, utcnow
from portal_app.services import comments, inbox, pricing
from portal_app.services.estimates import changes_since
from portal_app.services.invoices import money, today

CHOICES = ("approve_all", "approve_selected", "decline")
CHANGED = "This estimate changed; review the new version"


class DecisionRefused(Exception):
    """The decision cannot be taken (409): decided already, changed, or expired."""

    def __init__(self, message: str, changes: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.changes = changes or []


@dataclass
class Totals:
    required_cents: int
    optional_cents: int  # of the ticked optional lines
    optional_offered_cents: int  # of every optional line
    figures: pricing.Totals  # subtotal, tax and total of the required and ticked lines

    @property
    def total_cents(self) -> int:
        return self.figures.total_cents


def totals(lines, ticked: set[int], tax: pricing.Tax = pricing.NO_TAX) -> Totals:
    """The total of the required lines and the ticked optional ones, with their tax."""
    required = sum(line.amount_cents for line in lines if not line.optional)
    offered = sum(line.amount_cents for line in lines if line.optional)
    chosen = [line for line in lines if not line.optional or line.id in ticked]
    return Totals(required, sum(line.amount_cents for line in chosen if line.optional), offered,
                  pricing.line_totals(chosen, tax))


@dataclass
class Signature:
    contact: Contact
    signed_name: str
    po_number: str | None
    reason: str | None
    ip_address: str | None
    user_agent: str | None


def _line_decisions(lines, choice: str, ticked: set[int]) -> list[dict]:
    decided = []
    for line in lines:
        approved = choice == "approve_all" or (
            choice == "approve_selected" and (not line.optional or line.id in ticked))
        decided.append({**line.snapshot(), "optional": line.optional,
                        "decision": "approved" if approved else "declined"})
    return decided


def _outcome(decided: list[dict], choice: str) -> str:
    if choice == "decline" or not any(d["decision"] == "approved" for d in decided):
        return Approval.DECLINED
    if all(d["decision"] == "approved" for d in decided):
        return Approval.APPROVED
    return Approval.PARTIAL


def _approval(document, version: int, decided: list[dict], outcome: str,
              signature: Signature) -> Approval:
    figures = pricing.line_totals([d for d in decided if d["decision"] == "approved"],
                                  document.tax)
    approval = Approval(
        shop_id=document.shop_id, version=version, contact_id=signature.contact.id,
        decision=outcome, signed_name=signature.signed_name, po_number=signature.po_number,
        reason=signature.reason if outcome == Approval.DECLINED else None,
        lines=decided, ip_address=signature.ip_address, user_agent=signature.user_agent,
        total_approved_cents=figures.total_cents, tax_cents=figures.tax_cents,
        decided_at=utcnow(),
        **({"estimate_id": document.id} if isinstance(document, Estimate)
           else {"work_order_id": document.id}))
    db.session.add(approval)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DecisionRefused(_decided_already(document)) from error
    return approval


def _decided_already(document) -> str:
    noun = "estimate" if isinstance(document, Estimate) else "additional work"
    return f"This {noun} was already decided; see the decision below."


def check_estimate(estimate: Estimate, seen_version: int) -> None:
    """Raise DecisionRefused when the customer can't decide this version (any more)."""
    if estimate.status not in (Estimate.SENT,):
        raise DecisionRefused(_decided_already(estimate))
    if seen_version != estimate.version:
        raise DecisionRefused(CHANGED, changes_since(estimate, seen_version))
    if estimate.status_on(today()) == Estimate.EXPIRED:
        raise DecisionRefused(
            f"This estimate expired on {estimate.valid_until.strftime('%-d %b %Y')}; it can no "
            "longer be approved. Ask for a new one in a comment below.")


def decide_estimate(estimate: Estimate, seen_version: int, choice: str, ticked: set[int],
                    signature: Signature) -> Approval:
    """Record the customer's decision on the version they saw and tell the shop's staff."""
    check_estimate(estimate, seen_version)
    decided = _line_decisions(estimate.lines, choice, ticked)
    outcome = _outcome(decided, choice)
    moved = db.session.execute(
        update(Estimate).where(Estimate.id == estimate.id, Estimate.status == Estimate.SENT,
                               Estimate.version == seen_version)
        .values(status=outcome, updated_at=utcnow()))
    if moved.rowcount != 1:  # decided or changed a moment ago: say which
        db.session.refresh(estimate)
        check_estimate(estimate, seen_version)
        raise DecisionRefused(_decided_already(estimate))
    approval = _approval(estimate, seen_version, decided, outcome, signature)
    _tell_shop(estimate, approval)
    return approval


def _tell_shop(document, approval: Approval) -> None:
    """An inbox item for the shop's staff, and an email to each whose subject says who
    decided what: "Acme Logistics approved EST-0006: $777.50"."""
    item = inbox.decided(document, approval)
    word = inbox.DECISION_WORDS[approval.decision]
    if isinstance(document, WorkOrder):
        word += " additional work on"
    amount = "" if approval.decision == Approval.DECLINED else \
        f": {money(approval.total_approved_cents)}"
    comments.tell_staff(document, "document_decided", approval=approval,
                        total=money(approval.total_approved_cents), decision=word,
                        amount=amount, asked=money(item.amount_cents or 0))


def check_additional_work(work_order: WorkOrder, seen_round: int) -> None:
    if work_order.status != WorkOrder.AWAITING or not work_order.pending_lines:
        raise DecisionRefused(_decided_already(work_order))
    if seen_round != work_order.approval_round:
        added = [{"kind": "added", "text": f"Added {line.description}: {line.quantity} × "
                  f"{money(line.unit_price_cents)}"} for line in work_order.pending_lines
                 if (line.approval_round or 0) > seen_round]
        raise DecisionRefused("This request for additional work changed; review it again",
                              added)


def decide_additional_work(work_order: WorkOrder, seen_round: int, choice: str,
                           ticked: set[int], signature: Signature) -> Approval:
    """Approve or decline the work order's lines awaiting approval; tell the shop's staff."""
    check_additional_work(work_order, seen_round)
    pending = work_order.pending_lines
    decided = _line_decisions(pending, choice, ticked)
    outcome = _outcome(decided, choice)
    moved = db.session.execute(
        update(WorkOrder).where(WorkOrder.id == work_order.id,
                                WorkOrder.status == WorkOrder.AWAITING,
                                WorkOrder.approval_round == seen_round)
        .values(status=work_order.resume_status or WorkOrder.IN_PROGRESS, updated_at=utcnow()))
    if moved.rowcount != 1:  # decided or changed a moment ago: say which
        db.session.refresh(work_order)
        check_additional_work(work_order, seen_round)
        raise DecisionRefused(_decided_already(work_order))
    for line, decision in zip(pending, decided):
        line.approval_state = (WorkOrderLine.APPROVED if decision["decision"] == "approved"
                               else WorkOrderLine.DECLINED)
    approval = _approval(work_order, seen_round, decided, outcome, signature)
    _tell_shop(work_order, approval)
    return approval
