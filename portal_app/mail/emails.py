"""Compose transactional emails and put them in the outbox, inside the caller's transaction."""

from __future__ import annotations

from flask import current_app, g, render_template

from portal_app.extensions import db
from portal_app.models import Contact, OutboundEmail, Shop

SUBJECTS = {
    "invitation": "{shop} invites you to its customer portal",
    "password_reset": "Reset your {shop} portal password",
    "password_changed": "Your {shop} portal password was changed",
    "invoice_issued": "New invoice from {shop}",
    "payment_receipt": "Payment received by {shop}: thank you",
    "payment_recorded": "Receipt {number} from {shop}: payment received",
    "payment_failed": "Your payment to {shop} did not go through",
    # Staff emails say which customer did what on which document (the values: the callers').
    "request_submitted": "{customer_name} requested service{urgency}: {unit}",
    "request_comment": "{customer_name} commented on {number}",
    "request_update": "Your service request with {shop} was updated",
    "estimate_sent": "An estimate from {shop} is waiting for your approval",
    "additional_work": "{shop} asks you to approve additional work",
    "document_comment": "{customer_name} commented on {number}",
    "document_reply": "{shop} replied to your comment",
    "document_decided": "{customer_name} {decision} {number}{amount}",
    "staff_invitation": "You're invited to the {shop} portal console",
    "statement": "Your statement of account from {shop}",
}


# Emails that carry their invoice's PDF when the shop says so (Settings: "Attach the PDF to
# invoice emails", on by default); every other document's email links to its PDF.
INVOICE_PDF_KINDS = frozenset({"invoice_issued"})


def portal_link(endpoint: str, **values: object) -> str:
    """Return an absolute link built from PORTAL_BASE_URL, never from the request's Host.

    A Shop given as `shop` is named by its slug (?shop=demo-fleet): a link to the login, or to
    a page that sends a visitor without a session to the login, leads to the shop's branded
    login page (see auth/login.py: unauthorized())."""
    if isinstance(values.get("shop"), Shop):
        values["shop"] = values["shop"].slug
    adapter = current_app.url_map.bind("portal.invalid")
    return current_app.config["PORTAL_BASE_URL"] + adapter.build(endpoint, values)


def queue_email(
    kind: str, *, recipient: str, shop: Shop | None, contact: Contact | None = None, **context
) -> OutboundEmail:
    """Render an email from email/<kind>.txt and .html and queue it for delivery after commit.

    An invoice's email (INVOICE_PDF_KINDS, with `invoice` in the context) links to the
    invoice's PDF and, when the shop attaches them, carries it: the row names the invoice and
    the PDF is rendered when the message is sent (attachments.invoice_pdf()), so the outbox
    keeps no bytes."""
    shop_name = shop.name if shop is not None else "ShopView"
    subject = SUBJECTS[kind].format(shop=shop_name, **context)
    if "\r" in subject or "\n" in subject or "\r" in recipient or "\n" in recipient:
        raise ValueError("line breaks are not allowed in an email header")
    attached = kind in INVOICE_PDF_KINDS and shop is not None and shop.attach_invoice_pdf
    context.update(shop=shop, shop_name=shop_name, contact=contact, recipient=recipient,
                   pdf_attached=attached)
    message = OutboundEmail(
        shop_id=shop.id if shop is not None else None,
        contact_id=contact.id if contact is not None else None,
        kind=kind,
        attach_invoice_id=context["invoice"].id if attached else None,
        recipient=recipient,
        recipient_domain=recipient.rsplit("@", 1)[-1].lower(),
        subject=subject,
        body_text=render_template(f"email/{kind}.txt", **context),
        body_html=render_template(f"email/{kind}.html", **context),
    )
    db.session.add(message)
    db.session.flush()
    g.setdefault("outbox_ids", []).append(message.id)
    return message


def queue_statement(statement, contacts: list[Contact], *, link: str, pdf_link: str) -> None:
    """Queue a statement of account (services.statements.Statement) to each contact, with links
    to it in the portal (`link`) and to its PDF."""
    for contact in contacts:
        queue_email("statement", recipient=contact.email, shop=statement.shop, contact=contact,
                    statement=statement, link=link, pdf_link=pdf_link)
