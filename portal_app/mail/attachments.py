"""What an email carries besides its text: an invoice's PDF, rendered when the message is sent
(outbox.py), from the invoice's id kept in the outbox row's kind (emails.PDF_OF)."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import Invoice, Shop


def invoice_pdf(shop_id: int, invoice_id: int) -> tuple[str, bytes]:
    """The file name and bytes of the invoice's PDF as its customer sees it in the portal (the
    same sheet as Download PDF), rendered in a request context of its own: links built from
    PORTAL_BASE_URL, queries scoped to the shop and the invoice's customer. An invoice gone or
    hidden from the customer raises (the caller sends the email without it)."""
    from portal_app.blueprints.documents.pages import document_pdf
    from portal_app.web.audience import PORTAL

    app = current_app._get_current_object()
    # A context of its own: the sender's session and g stay as they were.
    with app.app_context(), app.test_request_context(
            "/", base_url=app.config["PORTAL_BASE_URL"]):
        shop = db.session.get(Shop, shop_id)
        invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id,
                                                          Invoice.shop_id == shop_id))
        if shop is None or invoice is None:
            raise LookupError(f"invoice {invoice_id} of shop {shop_id} is gone")
        g.shop, g.customer = shop, invoice.customer
        return document_pdf(PORTAL, invoice_id=invoice_id)
