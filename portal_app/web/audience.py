"""One way to show a document to two audiences: customers in the portal, staff in the console.

An Audience knows its query scope (the logged-in customer of the shop, or the whole shop), where
its pages are (the portal's endpoints are `<feature>.<view>`, the console's the same names on
the feature's console blueprint nested under /staff: `staff.<feature>.<view>`), the layout its
pages extend, who is acting, and what it may do. A document's views are written once, take the
audience as their first argument, and are registered on both sides with `Pages.route`;
templates extend `audience.layout` and build links with `audience.url("invoices.detail", ...)`,
so no view or template is written once per side.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial, update_wrapper

from flask import Blueprint, current_app, g, url_for
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from portal_app.data.tenancy import customer_select, first_or_404, shop_select


@dataclass(frozen=True)
class Audience:
    name: str
    layout: str
    actions: frozenset[str]
    prefix: str  # of its endpoints: "" in the portal, "staff." in the console

    def may(self, action: str) -> bool:
        """True when this audience may take the action (its buttons show, its views work)."""
        return action in self.actions

    def offers(self, endpoint: str) -> bool:
        """True when this audience has the page `endpoint` ("estimates.new", say)."""
        return self.prefix + endpoint in current_app.view_functions

    def url(self, endpoint: str, **values) -> str:
        """The URL of a page for this audience. The portal's pages never name a customer: its
        scope is the logged-in one, so a customer_id is dropped there."""
        if self.name == "portal":
            values.pop("customer_id", None)
        return url_for(self.prefix + endpoint, **values)

    def sign_in_url(self, page: str = "login") -> str:
        """A sign-in page of this side: "login" or "forgot_password". The portal's carry the
        shop whose brand the page wears (?shop=slug), so the next page wears it too; the
        console's are the same for every shop."""
        if self.name == "portal":
            shop = g.get("shop")
            return url_for(f"auth.{page}", shop=shop.slug if shop is not None else None)
        return url_for("staff.login" if page == "login" else f"staff.auth.{page}")

    def select(self, model) -> Select:
        """SELECT the model's rows this audience may see: the shop's, and in the portal only the
        current customer's and not what the model hides from customers (drafts)."""
        if self.name == "console":
            return shop_select(model)
        query = customer_select(model)
        hidden = getattr(model, "hidden_from_customers", None)
        return query.where(~hidden()) if hidden is not None else query

    def with_customer(self, model) -> tuple:
        """The loader option for the customer a row of `model` is for: one join in the console,
        whose rows are many customers'; none in the portal, where every row is the logged-in
        customer's, loaded with the login (SQLAlchemy finds it in the session)."""
        return (joinedload(model.customer),) if self.name == "console" else ()

    def get_or_404(self, model, ident: int, *options):
        """Load one row this audience may see, or answer 404 (a foreign id, never 403)."""
        return first_or_404(self.select(model).where(model.id == ident).options(*options))

    def customer(self, customer_id: int | None = None):
        """The customer a page is about: the logged-in one, or the shop's customer by id."""
        from portal_app.models import Customer

        if self.name == "portal":
            return g.customer
        return self.get_or_404(Customer, customer_id)

    def author(self):
        """Who acts: the portal contact, or the staff member."""
        return g.contact if self.name == "portal" else current_user._get_current_object()

    def trail(self, customer) -> list[tuple[str, str]]:
        """Breadcrumbs leading to a customer's pages: none in the portal (it is always the
        customer's own), the customer's page in the console."""
        if self.name == "portal":
            return []
        return [(customer.name, url_for("staff.customer", customer_id=customer.id))]

    def of(self, customer) -> str:
        """" of <customer>" in the console, where a heading must say whose list it is."""
        return "" if self.name == "portal" else f" of {customer.name}"


PORTAL = Audience("portal", "layouts/portal.html", frozenset({"approve", "comment", "pay"}),
                  prefix="")
CONSOLE = Audience("console", "layouts/staff.html", frozenset({
    "see_drafts", "see_all_customers", "edit", "reply", "send", "convert", "change_status",
    "request_approval", "record_payment", "schedule"}), prefix="staff.")


class Pages:
    """Registers each view of a document once, on the feature's portal blueprint and on its
    console blueprint, under the view's own name on both."""

    def __init__(self, portal: Blueprint, console: Blueprint) -> None:
        self.sides = ((PORTAL, portal), (CONSOLE, console))

    def route(self, rule: str, *, console: str | None = None, methods=("GET",)):
        """Register view(audience, **url_values) at `rule` in the portal and at `console` (or
        the same rule) in the console."""

        def register(view):
            for (audience, blueprint), where in zip(self.sides, (rule, console or rule)):
                bound = update_wrapper(partial(view, audience), view)
                blueprint.add_url_rule(where, view.__name__, bound, methods=list(methods))
            return view

        return register
