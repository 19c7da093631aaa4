"""A list of documents (estimates, work orders, invoices), the same for both audiences: the
filters read from the query string, the audience's rows narrowed by status, customer, unit and
the search box (the number, or in the console also the customer's name, starting with what was
typed), and the page of them; a list may add conditions of its own (invoices: unit, PO number,
issue dates), and its export reads the same rows (narrowed()). In the portal what waits for the
customer comes first."""

from __future__ import annotations

from flask import g, request
from sqlalchemy import select

from portal_app.data import search
from portal_app.models import Customer
from portal_app.web.ids import id_arg
from portal_app.web.pagination import paginate, paginate_in_two

PER_PAGE = 25


def list_filters(audience, statuses: tuple[str, ...]) -> tuple[dict, dict]:
    """The list's filters from the query string, cleaned: (values, params for links). A status
    that is not one of `statuses` is no filter; only the console picks a customer."""
    status = request.args.get("status", "")
    values = {"status": status if status in statuses else "",
              "q": request.args.get("q", "").strip()[:100],
              "customer_id": id_arg(request.args, "customer_id")
              if audience.may("see_all_customers") else None,
              "asset_id": id_arg(request.args, "asset_id")}
    return values, {key: value for key, value in values.items() if value}


def narrowed(audience, model, values: dict, *, number_prefix: str, day, where=()):
    """The audience's `model` rows matching the filters (status, customer, unit, the search
    box) and the list's own conditions `where`: a SELECT without order or loader options,
    the same for a list's page and for its export."""
    query = audience.select(model)
    if values["status"]:
        query = query.where(model.status_is(values["status"], day))
    if values["customer_id"]:
        query = query.where(model.customer_id == values["customer_id"])
    if values["asset_id"]:
        query = query.where(model.asset_id == values["asset_id"])
    if where:
        query = query.where(*where)
    if values["q"]:
        branches = [search.Branch(model.number_key, number_prefix=number_prefix)]
        if audience.may("see_all_customers"):
            branches.append(search.Branch(model.customer_id, among=select(Customer.id).where(
                Customer.shop_id == g.shop.id,
                search.starts_with(Customer.name_key, values["q"]))))
        query = search.matching(query, model.id, branches, values["q"])
    return query


def listing(audience, model, values: dict, *, number_prefix: str, day, order: tuple,
            loading=None, where=()):
    """The page of the list, in `order`: the audience's `model` rows matching the filters
    (narrowed()); in the portal the rows that wait for the customer (model.waits(day)) first,
    when the model has such rows. `loading(query)` adds what each row shows beside its own
    columns (a join and its loader), once the rows are chosen."""
    query = narrowed(audience, model, values, number_prefix=number_prefix, day=day,
                     where=where).options(*audience.with_customer(model))
    if loading is not None:
        query = loading(query)
    waits = getattr(model, "waits", None)
    if audience.may("see_all_customers") or waits is None:
        return paginate(query.order_by(*order), PER_PAGE)
    return paginate_in_two(query.where(waits(day)).order_by(*order),
                           query.where(~waits(day)).order_by(*order), PER_PAGE)


def listed_customer(audience, values: dict):
    """The customer the list is narrowed to (another shop's is a 404, never its name)."""
    return audience.get_or_404(Customer, values["customer_id"]) if values["customer_id"] \
        else None
