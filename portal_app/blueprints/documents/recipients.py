"""What the console says about who a document's emails go to: after an action that emailed the
customer (a flash naming whom), and on the document's page (who gets its emails, or that no
contact can, with the customer's page to invite one). Recipients come from
services.notifications, the one function the emails themselves use."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup

from portal_app.services import notifications


def _invite_link(customer) -> Markup:
    return Markup('<a href="{}">Invite a contact on {}’s page</a>').format(
        url_for("staff.customer", customer_id=customer.id, _anchor="contacts"), customer.name)


def _nobody(customer, choice: str, billing_only: bool) -> Markup:
    who = "billing contact" if billing_only else "contact"
    return Markup("No {} of {} can receive these emails: none has portal access and wants "
                  "emails about {}. {}.").format(who, customer.name, notifications.NOUNS[choice],
                                                 _invite_link(customer))


def emailed(contacts, customer, choice: str, *, billing_only: bool = False) -> Markup:
    """After an action: "Emailed to Dana Ortiz and Lee Park.", or why nobody was."""
    if contacts:
        return Markup("Emailed to {}.").format(notifications.names(contacts))
    return _nobody(customer, choice, billing_only)


@dataclass(frozen=True)
class EmailsTo:
    """What a document's console page says about its emails; `nobody` when none goes out (the
    page makes it stand out)."""

    text: Markup
    nobody: bool


def who_gets(document, noun: str, choice: str, *, billing_only: bool = False) -> EmailsTo:
    """On the document's console page: who gets its emails of this kind, or that nobody can."""
    contacts = notifications.recipients(document.shop_id, document.customer_id, choice,
                                        billing_only=billing_only)
    if contacts:
        return EmailsTo(Markup("Emails about this {} go to {}.").format(
            noun, notifications.names(contacts)), False)
    return EmailsTo(_nobody(document.customer, choice, billing_only), True)


def who_gets_invoice(invoice, emails_on: bool) -> EmailsTo:
    """On an invoice's console page: its billing contacts who get invoice emails, or why none
    does (the shop's invoice emails are off, or no billing contact can receive them)."""
    if not emails_on:
        return EmailsTo(Markup("Invoice emails are off in Settings: nobody is emailed about "
                               "invoices."), True)
    return who_gets(invoice, "invoice", "invoices", billing_only=True)
