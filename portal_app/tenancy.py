"""Scoped queries: everything staff touch belongs to their shop, and in the portal to the
current customer as well. A foreign id is a 404, never a 403 (no existence oracle)."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, g
from sqlalchemy import Select, bindparam, select

from portal_app.extensions import db

Model = TypeVar("Model")


def shop_select(model: type[Model]) -> Select:
    """SELECT model rows of the current shop."""
    return select(model).where(model.shop_id == g.shop.id)


def customer_select(model: type[Model]) -> Select:
    """SELECT model rows of the current portal customer (within the current shop)."""
    return shop_select(model).where(model.customer_id == g.customer.id)


def shop_rows(model: type[Model]) -> Select:
    """shop_select() for a statement built once: the shop is the parameter shop_id
    (shop_scope() gives it)."""
    return select(model).where(model.shop_id == bindparam("shop_id"))


def customer_rows(model: type[Model]) -> Select:
    """customer_select() for a statement built once: parameters shop_id and customer_id
    (customer_scope() gives them)."""
    return shop_rows(model).where(model.customer_id == bindparam("customer_id"))


def shop_scope() -> dict:
    return {"shop_id": g.shop.id}


def customer_scope() -> dict:
    return {"shop_id": g.shop.id, "customer_id": g.customer.id}


def shop_get_or_404(model: type[Model], ident: int, *options) -> Model:
    """Load one row of the current shop by id, or answer 404."""
    found = db.session.scalar(shop_select(model).where(model.id == ident).options(*options))
    if found is None:
        abort(404)
    return found


def customer_get_or_404(model: type[Model], ident: int, *options) -> Model:
    """Load one row of the current portal customer by id, or answer 404."""
    found = db.session.scalar(customer_select(model).where(model.id == ident).options(*options))
    if found is None:
        abort(404)
    return found
