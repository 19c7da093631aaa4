"""Deleting a draft estimate or invoice: the customer never saw it, so it goes for good with its
lines (and its versions and comments: the database's cascades; its photos and files with their
stored objects), and the shop's audit log records who deleted which number.

Only a draft goes: the DELETE itself is conditional on the draft state, so a draft that another
tab sent or issued a moment ago stays (on PostgreSQL the DELETE waits for that transaction's row
lock and then finds the row no longer a draft). A deleted invoice was a draft, which no
open-invoice total counts (invoice_balances counts unpaid and processing invoices only), and it
has no payment (the DELETE requires none), so no stored balance or total moves. Nothing here
commits."""

from __future__ import annotations

from sqlalchemy import delete, exists, select

from portal_app.extensions import db
from portal_app.models import AuditEntry, Estimate, Invoice, Payment, StaffUser
from portal_app.services import attachments, audit
from portal_app.services.invoices import money

DELETED = {"estimate": "estimate_draft_deleted", "invoice": "invoice_draft_deleted"}


class NotADraft(Exception):
    """The document was sent or issued (maybe a moment ago): it stays; the message says so."""


def delete_estimate(estimate: Estimate, staff: StaffUser) -> None:
    """Delete a draft estimate with its lines; refuse one that was sent."""
    refusal = (f"{estimate.number} was sent to {estimate.customer.name}, so it stays: only a "
               "draft can be deleted.")
    if estimate.status != Estimate.DRAFT:
        raise NotADraft(refusal)
    described = _described(estimate.number, estimate.customer.name, len(estimate.lines),
                           estimate.total_cents)
    attachments.remove_all(estimate)  # its rows would go with it, their stored objects not
    gone = db.session.execute(delete(Estimate).where(
        Estimate.id == estimate.id, Estimate.shop_id == estimate.shop_id,
        Estimate.status == Estimate.DRAFT))
    if gone.rowcount != 1:
        raise NotADraft(f"{estimate.number} was sent a moment ago, so it stays: only a draft "
                        "can be deleted.")
    audit.record(estimate.shop_id, staff, DELETED["estimate"], described)


def delete_invoice(invoice: Invoice, staff: StaffUser) -> None:
    """Delete a draft invoice with its lines; refuse one that was issued (or has a payment)."""
    refusal = (f"Invoice {invoice.number} was issued, so it stays: only a draft can be "
               "deleted. Void it instead.")
    if invoice.state != "draft":
        raise NotADraft(refusal)
    described = _described(invoice.number, invoice.customer.name, len(invoice.lines),
                           invoice.total_cents)
    gone = db.session.execute(delete(Invoice).where(
        Invoice.id == invoice.id, Invoice.shop_id == invoice.shop_id, Invoice.state == "draft",
        Invoice.status == "draft", ~exists().where(Payment.invoice_id == Invoice.id)))
    if gone.rowcount != 1:
        raise NotADraft(f"Invoice {invoice.number} was issued a moment ago, so it stays: only "
                        "a draft can be deleted.")
    audit.record(invoice.shop_id, staff, DELETED["invoice"], described)


def deleted_before(shop_id: int, kind: str, number: str) -> bool:
    """True when the shop's audit log records its draft `kind` ("estimate", "invoice") with
    this number deleted: a second click or tab is told so instead of a 404."""
    return bool(number) and db.session.scalar(select(exists().where(
        AuditEntry.shop_id == shop_id, AuditEntry.action == DELETED[kind],
        AuditEntry.detail.startswith(f"{number} for ", autoescape=True))))


def _described(number: str, customer: str, lines: int, total_cents: int) -> str:
    return (f"{number} for {customer}: {lines} line{'s' if lines != 1 else ''}, "
            f"{money(total_cents)}")
