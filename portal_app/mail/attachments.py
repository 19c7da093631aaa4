"""What an email carries besides its text: an invoice's PDF, rendered when the message is sent
(outbox.py), never stored in the outbox row: the row names the invoice (attach_invoice_id),
set when an invoice's email was queued while the shop attached PDFs. It is rendered as the
customer sees it, if the shop still attaches PDFs and the invoice is the recipient's
customer's."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import Contact, Invoice, OutboundEmail, Shop


def invoice_pdf(message: OutboundEmail) -> tuple[str, bytes] | None:
    """The file name and bytes of the PDF the message carries, or None: the PDF of its invoice
    as the customer sees it in the portal (the same sheet as Download PDF), rendered in an app
    and request context of its own (the sender's session and g stay as they were; links built
    from PORTAL_BASE_URL; queries scoped to the shop and the customer). An invoice gone, hidden
    from the customer or not the recipient's customer's raises: the caller sends the email
    without it."""
    from portal_app.blueprints.documents.pages import document_pdf
    from portal_app.web.audience import PORTAL

    invoice_id = message.attach_invoice_id
    if invoice_id is None or message.shop_id is None:
        return None
    app = current_app._get_current_object()
    with app.app_context(), app.test_request_context(
            "/", base_url=app.config["PORTAL_BASE_URL"]):
        shop = db.session.get(Shop, message.shop_id)
        if shop is None or not shop.attach_invoice_pdf:
            return None
        contact = db.session.get(Contact, message.contact_id) \
            if message.contact_id is not None else None
        if contact is None or contact.shop_id != shop.id:
            raise LookupError(f"the contact of email {message.id} is gone")
        g.shop, g.customer = shop, contact.customer
        if db.session.scalar(select(Invoice.id).where(
                Invoice.id == invoice_id, Invoice.shop_id == shop.id,
                Invoice.customer_id == contact.customer_id)) is None:
            raise LookupError(f"invoice {invoice_id} is not the customer's")
        return document_pdf(PORTAL, invoice_id=invoice_id)
