"""What the estimate and work order lists share: the audience's rows narrowed by customer,
asset and the search box (the number, or in the console also the customer's name, starting
with what was typed)."""

from __future__ import annotations

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal_app.data import search
from portal_app.models import Customer
from portal_app.web.pagination import paginate, paginate_in_two


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


def listing(audience, model, values: dict, number_prefix: str, *, narrow, waits, day,
            per_page: int):
    """The page of the list: newest first in the console; in the portal what `waits` for the
    customer first, then the rest. `narrow(query, day)` adds the status filter; `waits(day)` is
    the condition of what waits."""
    newest = model.id.desc()
    query = narrow(narrowed(audience, model, values, number_prefix), day)
    if audience.may("see_all_customers"):
        return paginate(query.order_by(newest), per_page)
    return paginate_in_two(query.where(waits(day)).order_by(newest),
                           query.where(~waits(day)).order_by(newest), per_page)


def listed_customer(audience, values: dict):
    """The customer the list is narrowed to (another shop's is a 404, never its name)."""
    return audience.get_or_404(Customer, values["customer_id"]) if values["customer_id"] \
        else None
