"""Scoped queries: everything staff touch belongs to their shop, and in the portal to the
current customer as well. A foreign id is a 404, never a 403 (no existence oracle).

Every query a customer or staff member triggers starts here (or from an Audience, which uses
these), built per request with this request's shop and customer as values."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, g, has_app_context
from sqlalchemy import Select, select

from portal_app.extensions import db
from portal_app.models import Shop

Model = TypeVar("Model")


def current_shop() -> Shop | None:
    """The shop of the request (or app context) running now: the logged-in person's, or the
    shop a sign-in page is branded for; None outside a request or for an unbranded visitor."""
    return g.get("shop") if has_app_context() else None


def shop_select(model: type[Model]) -> Select:
    """SELECT model rows of the current shop."""
    return select(model).where(model.shop_id == g.shop.id)


def customer_select(model: type[Model]) -> Select:
    """SELECT model rows of the current portal customer (within the current shop)."""
    return shop_select(model).where(model.customer_id == g.customer.id)


def first_or_404(query: Select):
    """The first row of a scoped SELECT, or 404 (its collections may be joined: a document has
    a few lines, which cost less joined than in a query of their own)."""
    found = db.session.scalars(query).unique().first()
    if found is None:
        abort(404)
    return found


def shop_get_or_404(model: type[Model], ident: int, *options) -> Model:
    """Load one row of the current shop by id, or answer 404."""
    return first_or_404(shop_select(model).where(model.id == ident).options(*options))
