"""What the estimate and work order lists share: the audience's rows narrowed by customer,
asset and the search box (the number, or in the console also the customer's name, starting
with what was typed)."""

from __future__ import annotations

from flask import g
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal_app import search
from portal_app.models import Customer


def narrowed(audience, model, values: dict, number_prefix: str):
    """SELECT the audience's `model` rows matching the list's customer, asset and search."""
    query = audience.select(model)
    if values["customer_id"]:
        query = query.where(model.customer_id == values["customer_id"])
    if values["asset_id"]:
        query = query.where(model.asset_id == values["asset_id"])
    if values["q"]:
        branches = [search.Branch(model.number_key, number_prefix=number_prefix)]
        if audience.may("see_all_customers"):
            branches.append(search.Branch(model.customer_id, among=select(Customer.id).where(
                Customer.shop_id == g.shop.id,
                search.starts_with(Customer.name_key, values["q"]))))
        query = search.matching(query, model.id, branches, values["q"])
    return query.options(joinedload(model.customer))


def prepared_shape(audience, model, values: dict) -> tuple:
    """What shapes a list's statement built once (the search box is not part of it: a search
    is built per request)."""
    return (audience.name, model.__name__, values["status"], bool(values["customer_id"]),
            bool(values["asset_id"]))


def narrowed_rows(audience, model):
    """narrowed() for a statement built once, without a search: the customer and asset filters
    are the parameters listed_customer_id and asset_id (binds() gives them)."""

    def build(values: dict):
        query = audience.rows(model)
        if values["customer_id"]:
            query = query.where(model.customer_id == bindparam("listed_customer_id"))
        if values["asset_id"]:
            query = query.where(model.asset_id == bindparam("asset_id"))
        return query.options(joinedload(model.customer))

    return build


def binds(audience, values: dict, **more) -> dict:
    """The parameters of a narrowed_rows() statement for this request."""
    return {**audience.scope(), "listed_customer_id": values["customer_id"],
            "asset_id": values["asset_id"], **more}


def listed_customer(audience, values: dict):
    """The customer the list is narrowed to (another shop's is a 404, never its name)."""
    return audience.get_or_404(Customer, values["customer_id"]) if values["customer_id"] \
        else None
