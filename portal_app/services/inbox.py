"""The staff inbox: one item per customer action staff should answer or know (a new service
request, a customer comment, an estimate or additional work decided, an online payment, an
invitation accepted), written by the service that does the action in the same transaction.
An item stays open until a staff member marks it handled or replies on its document.
Nothing here commits."""

from __future__ import annotations

from sqlalchemy import case, func, select, update

from portal_app.extensions import db
from portal_app.models import (
    Approval,
    Comment,
    Contact,
    Customer,
    Estimate,
    InboxItem,
    Invoice,
    Payment,
    ServiceRequest,
    StaffUser,
    WorkOrder,
    utcnow,
)
from portal_app.services import pricing
from portal_app.services.invoices import money

DOCUMENT_TYPES = {ServiceRequest: "service_request", Estimate: "estimate",
                  WorkOrder: "work_order", Invoice: "invoice", Customer: "customer"}
# The console page an item's number links to: (endpoint, name of the id in its URL).
DOCUMENT_PAGES = {"service_request": ("staff.requests.detail", "request_id"),
                  "estimate": ("staff.estimates.detail", "estimate_id"),
                  "work_order": ("staff.work_orders.detail", "work_order_id"),
                  "invoice": ("staff.invoices.detail", "invoice_id"),
                  "customer": ("staff.customer", "customer_id")}
KIND_LABELS = {"request": "Service request", "comment": "Comment", "approved": "Approved",
               "partial": "Partially approved", "declined": "Declined",
               "additional_work": "Additional work", "payment_succeeded": "Payment received",
               "payment_failed": "Payment failed", "invitation_accepted": "Joined the portal"}
DECISION_WORDS = {Approval.APPROVED: "approved", Approval.PARTIAL: "partially approved",
                  Approval.DECLINED: "declined"}
EXCERPT = 160


def one_line(text: str | None, limit: int = EXCERPT) -> str:
    """Text as one line (any line break or control character a space), cut at `limit`."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in (text or "")).split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def document_number(document) -> str:
    """How people name the document: EST-0006, WO-0002, INV-0007, request #12, a customer."""
    if isinstance(document, ServiceRequest):
        return f"request #{document.id}"
    if isinstance(document, Customer):
        return document.name
    return document.number


def unit_of(request: ServiceRequest) -> str:
    """The unit a request is about, as its Unit Number (or what the customer wrote)."""
    if request.asset is not None:
        return request.asset.unit_number
    return one_line(request.asset_description, 60) or "no unit named"


def record(kind: str, document, contact: Contact | None, summary: str, *,
           amount_cents: int | None = None, reason: str | None = None,
           urgent: bool = False) -> InboxItem:
    """Add an open item about `document` (a request, an estimate, a work order, an invoice or a
    customer) for the shop's staff."""
    customer_id = document.id if isinstance(document, Customer) else document.customer_id
    item = InboxItem(
        shop_id=document.shop_id, customer_id=customer_id,
        contact_id=contact.id if contact is not None else None, kind=kind, urgent=urgent,
        document_type=DOCUMENT_TYPES[type(document)], document_id=document.id,
        document_number=one_line(document_number(document), 40),
        summary=one_line(summary, 300), amount_cents=amount_cents,
        reason=reason.strip() if reason and reason.strip() else None)
    db.session.add(item)
    db.session.flush()
    return item


def request_submitted(request: ServiceRequest) -> InboxItem:
    urgent = request.urgency == "urgent"
    return record("request", request, request.contact,
                  f"Requested service{' (Urgent)' if urgent else ''} for {unit_of(request)}: "
                  f"{one_line(request.description, 120)}", urgent=urgent)


def commented(document, comment: Comment) -> InboxItem:
    """A customer's comment on a request, an estimate, a work order or an invoice."""
    return record("comment", document, comment.author_contact,
                  f"Commented: “{one_line(comment.body)}”")


def decided(document, approval: Approval) -> InboxItem:
    """A customer's decision on an estimate, or on a work order's additional work: the amount
    approved (of the amount asked when only a part was), or the amount declined and why."""
    asked = pricing.line_totals(approval.lines, document.tax).total_cents
    word = DECISION_WORDS[approval.decision]
    if isinstance(document, WorkOrder):
        kind, what = "additional_work", f"{word.capitalize()} additional work"
    else:
        kind = {Approval.APPROVED: "approved", Approval.PARTIAL: "partial",
                Approval.DECLINED: "declined"}[approval.decision]
        what = word.capitalize()
    if approval.decision == Approval.DECLINED:
        summary, amount = f"{what}: {money(asked)}", asked
    elif approval.decision == Approval.PARTIAL:
        amount = approval.total_approved_cents
        summary = f"{what}: {money(amount)} of {money(asked)}"
    else:
        amount = approval.total_approved_cents
        summary = f"{what}: {money(amount)}"
    if approval.po_number:
        summary += f" (PO {approval.po_number})"
    return record(kind, document, approval.contact, summary, amount_cents=amount,
                  reason=approval.reason)


def payment_moved(payment: Payment) -> InboxItem:
    """An online payment that succeeded or failed (from Stripe's webhook or reconciliation)."""
    invoice = payment.invoice
    contact = db.session.get(Contact, payment.contact_id) if payment.contact_id else None
    method = Payment.METHODS.get(payment.method, payment.method)
    amount = money(payment.amount_cents, invoice.currency)
    if payment.status == "succeeded":
        return record("payment_succeeded", invoice, contact,
                      f"Paid {amount} online ({method})", amount_cents=payment.amount_cents)
    return record("payment_failed", invoice, contact,
                  f"Online payment of {amount} ({method}) failed",
                  amount_cents=payment.amount_cents,
                  reason=payment.failure_message or payment.failure_code)


def invitation_accepted(contact: Contact) -> InboxItem:
    return record("invitation_accepted", contact.customer, contact,
                  f"{contact.name} accepted the portal invitation ({contact.email})")


def open_count_of(shop_id):
    """How many of the shop's inbox items are open, as a scalar subquery (the console menu's
    Inbox count, loaded with the staff login: auth/login.py)."""
    return (select(func.count()).select_from(InboxItem)
            .where(InboxItem.shop_id == shop_id, InboxItem.handled_at.is_(None))
            .scalar_subquery())


def open_count(shop_id: int) -> int:
    """How many of the shop's inbox items are open."""
    return db.session.scalar(select(open_count_of(shop_id))) or 0


def open_items(shop_id: int):
    """SELECT the shop's open items: urgent requests first, then the oldest first."""
    return (select(InboxItem).where(InboxItem.shop_id == shop_id,
                                    InboxItem.handled_at.is_(None))
            .order_by(case((InboxItem.urgent.is_(True), 0), else_=1),
                      InboxItem.created_at, InboxItem.id))


def handled_items(shop_id: int):
    """SELECT the shop's handled items, the most recently handled first."""
    return (select(InboxItem).where(InboxItem.shop_id == shop_id,
                                    InboxItem.handled_at.is_not(None))
            .order_by(InboxItem.handled_at.desc(), InboxItem.id.desc()))


def _handled_by(staff: StaffUser, how: str) -> dict:
    return {"handled_at": utcnow(), "handled_by_staff_id": staff.id,
            "handled_by_label": staff.name, "handled_how": how}


def handle(item: InboxItem, staff: StaffUser) -> bool:
    """Mark the item handled by `staff`; False when it was handled already (a second click,
    another tab): the UPDATE only matches an open item, so the first one's name and time stay."""
    moved = db.session.execute(
        update(InboxItem).where(InboxItem.id == item.id, InboxItem.shop_id == staff.shop_id,
                                InboxItem.handled_at.is_(None))
        .values(**_handled_by(staff, "marked")).execution_options(synchronize_session=False))
    db.session.refresh(item)
    return moved.rowcount == 1


def replied(document, staff: StaffUser) -> int:
    """A staff member replied on the document: its open items are handled. Return how many."""
    moved = db.session.execute(
        update(InboxItem).where(InboxItem.shop_id == document.shop_id,
                                InboxItem.document_type == DOCUMENT_TYPES[type(document)],
                                InboxItem.document_id == document.id,
                                InboxItem.handled_at.is_(None))
        .values(**_handled_by(staff, "replied")).execution_options(synchronize_session=False))
    return moved.rowcount
