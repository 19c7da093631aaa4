"""Work orders: made from an approved estimate (its approved lines) or from a service request,
status changes, line edits, and additional work sent to the customer for approval.
One work order per estimate and per request: unique columns stop a double click or a second
tab. Nothing here commits."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal_app.extensions import db
from portal_app.models import (
    Contact,
    Estimate,
    ServiceRequest,
    Shop,
    StaffUser,
    WorkOrder,
    WorkOrderLine,
    utcnow,
)
from portal_app.services import attachments, comments, pricing, taxes
from portal_app.services.estimates import EstimateStateError, next_number
from portal_app.services.invoices import money


class WorkOrderStateError(Exception):
    """The work order (or its source) does not allow the action; the message says why."""


def _insert(work_order: WorkOrder, find_existing) -> tuple[WorkOrder, bool]:
    """Add a new work order with the next number; (the work order, created). When the unique
    source column says another request made it first, roll back and return that one. Must be
    the transaction's first write."""
    for _ in range(5):
        work_order.number = next_number(WorkOrder, "WO", work_order.shop_id)
        db.session.add(work_order)
        try:
            db.session.flush()
            return work_order, True
        except IntegrityError:
            db.session.rollback()
            existing = find_existing()
            if existing is not None:
                return existing, False
            work_order = _copy(work_order)
    raise WorkOrderStateError("Could not pick a free work order number; try again.")


def _copy(work_order: WorkOrder) -> WorkOrder:
    fresh = WorkOrder(**{column: getattr(work_order, column) for column in (
        "shop_id", "customer_id", "location_id", "asset_id", "estimate_id",
        "service_request_id", "status", "description", *taxes.TAX_COLUMNS)})
    fresh.lines = [WorkOrderLine(position=line.position, **pricing.line_fields(
        {"description": line.description, **line.priced()})) for line in work_order.lines]
    return fresh


def from_estimate(estimate: Estimate) -> tuple[WorkOrder, bool]:
    """Open a work order with the estimate's approved lines; (work order, created)."""
    existing = db.session.scalar(select(WorkOrder).where(WorkOrder.estimate_id == estimate.id))
    if existing is not None:
        return existing, False
    if estimate.status not in Estimate.CONVERTIBLE:
        raise WorkOrderStateError("Only an approved or partially approved estimate converts to "
                                  "a work order.")
    approval = estimate.decision
    if approval is None:
        raise EstimateStateError("This estimate has no approval to convert.")
    estimate_id = estimate.id
    work_order = WorkOrder(
        shop_id=estimate.shop_id, customer_id=estimate.customer_id,
        location_id=estimate.location_id, asset_id=estimate.asset_id, estimate_id=estimate.id,
        status=WorkOrder.OPEN, description=estimate.notes or "")
    work_order.lines = [WorkOrderLine(position=i, **pricing.line_fields(line))
                        for i, line in enumerate(approval.approved_lines)]
    taxes.copy(work_order, estimate)
    work_order, created = _insert(work_order, lambda: db.session.scalar(
        select(WorkOrder).where(WorkOrder.estimate_id == estimate_id)))
    if created:
        db.session.execute(update(Estimate).where(Estimate.id == estimate_id)
                           .values(status=Estimate.CONVERTED, updated_at=utcnow()))
    return work_order, created


def for_request(request: ServiceRequest, staff: StaffUser,
                existing_number: str | None) -> WorkOrder:
    """Link the request to the customer's work order numbered `existing_number`, or open a new
    one for it; mark the request converted and tell the contact."""
    if request.work_order is not None:
        return request.work_order
    if existing_number:
        work_order = db.session.scalar(select(WorkOrder).where(
            WorkOrder.shop_id == request.shop_id, WorkOrder.customer_id == request.customer_id,
            WorkOrder.number == existing_number.upper()))
        if work_order is None:
            raise WorkOrderStateError(f"{request.customer.name} has no work order numbered "
                                      f"“{existing_number}”.")
        if work_order.service_request_id not in (None, request.id):
            raise WorkOrderStateError(f"{work_order.number} already belongs to request "
                                      f"#{work_order.service_request_id}.")
        work_order.service_request_id = request.id
        db.session.flush()
    else:
        request_id = request.id
        work_order, _ = _insert(WorkOrder(
            shop_id=request.shop_id, customer_id=request.customer_id,
            location_id=request.location_id, asset_id=request.asset_id,
            service_request_id=request.id, status=WorkOrder.OPEN,
            description=request.description,
            **taxes.in_force(db.session.get(Shop, request.shop_id), request.customer)), lambda: db.session.scalar(
                select(WorkOrder).where(WorkOrder.service_request_id == request_id)))
        request = db.session.get(ServiceRequest, request_id)
    request.status = ServiceRequest.CONVERTED
    db.session.flush()
    return work_order


def open_for(shop: Shop, customer, *, asset=None, description: str = "",
             status: str = WorkOrder.OPEN) -> WorkOrder:
    """A work order of the shop's own (no estimate or request behind it), with today's tax."""
    work_order, _ = _insert(WorkOrder(
        shop_id=shop.id, customer_id=customer.id, asset_id=asset.id if asset else None,
        location_id=asset.location_id if asset else None, status=status,
        description=description, **taxes.in_force(shop, customer)), lambda: None)
    return work_order


def set_status(work_order: WorkOrder, status: str) -> None:
    """Move the work order to Open, In progress, Completed or Closed (staff's choice)."""
    if status not in WorkOrder.STAFF_STATUSES:
        raise WorkOrderStateError("Choose one of the statuses.")
    if work_order.status == WorkOrder.AWAITING:
        raise WorkOrderStateError("The customer has not answered the request for approval yet.")
    work_order.status = status
    db.session.flush()


def update_lines(work_order: WorkOrder, description: str, lines: list[dict]) -> None:
    """Replace the work order's approved lines (those awaiting approval or declined stay). A
    line the form had (its row names it in `line_id`) is changed in place and keeps its id and
    its photos; an approved line no row names any more goes with its files' stored objects."""
    kept = [line for line in work_order.lines if line.approval_state != WorkOrderLine.APPROVED]
    approved = [line for line in work_order.lines
                if line.approval_state == WorkOrderLine.APPROVED]
    work_order.description = description
    rows, gone = pricing.place_lines(approved, lines, lambda position, line: WorkOrderLine(
        position=position, **pricing.line_fields(line)))
    for line in gone:
        attachments.remove_all(work_order, line)
    work_order.lines = rows + kept
    db.session.flush()


def request_approval(work_order: WorkOrder, lines: list[dict], note: str,
                     based_on_round: int) -> list[Contact]:
    """Add lines as additional work awaiting the customer's approval and email the customer's
    contacts who can act on it and want such emails (notifications); return whom. A second
    click of the same form changes nothing."""
    if work_order.status in (WorkOrder.COMPLETED, WorkOrder.CLOSED):
        raise WorkOrderStateError("This work order is finished; open a new one for more work.")
    if not lines:
        raise WorkOrderStateError("Add at least one line of additional work.")
    if based_on_round != work_order.approval_round:
        raise WorkOrderStateError("This request for approval was sent already.")
    everything = pricing.line_totals(
        [*work_order.lines, *(pricing.line_fields(line) for line in lines)], work_order.tax)
    if everything.total_cents > pricing.MAX_TOTAL_CENTS:
        raise WorkOrderStateError(
            f"With this work {work_order.number} would come to "
            f"{money(everything.total_cents)}; a document's total can be at most "
            f"{money(pricing.MAX_TOTAL_CENTS)}. Open a new work order for it.")
    moved = db.session.execute(
        update(WorkOrder).where(WorkOrder.id == work_order.id,
                                WorkOrder.approval_round == based_on_round)
        .values(approval_round=based_on_round + 1, status=WorkOrder.AWAITING,
                resume_status=work_order.resume_status if work_order.status == WorkOrder.AWAITING
                else work_order.status, approval_note=note, updated_at=utcnow()))
    if moved.rowcount != 1:
        raise WorkOrderStateError("This request for approval was sent already.")
    db.session.refresh(work_order)
    start = max((line.position for line in work_order.lines), default=-1) + 1
    for i, line in enumerate(lines):
        work_order.lines.append(WorkOrderLine(
            position=start + i, **pricing.line_fields(line),
            approval_state=WorkOrderLine.PENDING, approval_round=work_order.approval_round))
    db.session.flush()
    return comments.tell_customer(work_order, "additional_work", note=note,
                                  lines=work_order.pending_lines)
