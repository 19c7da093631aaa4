"""What makes an invoice, an estimate or a work order a document a business can file, besides
its lines and totals: the purchase order numbers it answers and where an invoice's payment goes
(its due date is set when it is issued: services.invoices.issue)."""

from __future__ import annotations

from sqlalchemy import or_, select

from portal_app.extensions import db
from portal_app.models import Approval, Estimate, Invoice, Shop, WorkOrder
from portal_app.services import stripe_gateway
from portal_app.services.invoices import payment_settings


def po_numbers(document) -> list[str]:
    """The PO numbers a document answers, each once, oldest first: an invoice's own, or those
    the customer gave with the approvals of an estimate, or of a work order and the estimate
    it came from. Declined decisions are left out: they bought nothing. Read with a query of
    its own, never through the document's approvals relationship: loading that while a
    service is deciding would leave it without the approval being added."""
    if isinstance(document, Invoice):
        return [document.po_number] if document.po_number else []
    if isinstance(document, Estimate):
        whose = Approval.estimate_id == document.id
    elif isinstance(document, WorkOrder):
        whose = Approval.work_order_id == document.id
        if document.estimate_id is not None:
            whose = or_(whose, Approval.estimate_id == document.estimate_id)
    else:
        raise TypeError(document)
    found = db.session.scalars(
        select(Approval.po_number).where(whose, Approval.shop_id == document.shop_id,
                                         Approval.po_number.is_not(None),
                                         Approval.decision != Approval.DECLINED)
        .order_by(Approval.decided_at, Approval.id))
    return list(dict.fromkeys(number for number in found if number))


def remit_to(shop: Shop) -> str:
    """Where checks go, as an envelope is addressed: the shop's remit-to address as written
    (its payee line included), or else the shop's name and address; "" without either."""
    if shop.remit_to:
        return shop.remit_to
    return f"{shop.name}\n{shop.address}" if shop.address else ""


def pays_online(shop: Shop) -> bool:
    """Whether the shop's customers can pay its invoices online now (its Stripe account is
    Active)."""
    return bool(stripe_gateway.payment_methods(payment_settings(shop)))
