"""The tax a document charges, stored on it (models.documents.TaxedDocument): today's while it
is written, kept from the moment it is sent or issued."""

from __future__ import annotations

from portal_app.extensions import db
from portal_app.models import Customer, Shop

TAX_COLUMNS = ("tax_name", "tax_rate", "tax_exempt", "tax_exempt_number")


def in_force(shop: Shop, customer: Customer) -> dict:
    """The tax columns a document of this customer takes today: the shop's name and rate, and
    the customer's exemption."""
    return {"tax_name": shop.tax_name or "", "tax_rate": shop.tax_rate,
            "tax_exempt": bool(customer.tax_exempt),
            "tax_exempt_number": customer.tax_exempt_number or ""}


def fix(document) -> None:
    """Store today's tax on a document being written, or sent or issued now (never call it on
    one the customer has: what they approved or were billed keeps its rate)."""
    shop = db.session.get(Shop, document.shop_id)
    customer = db.session.get(Customer, document.customer_id)
    for column, value in in_force(shop, customer).items():
        setattr(document, column, value)


def copy(target, source) -> None:
    """A document made from another (a work order from its estimate, an invoice from its work
    order) charges the tax its source charged."""
    for column in TAX_COLUMNS:
        setattr(target, column, getattr(source, column))
