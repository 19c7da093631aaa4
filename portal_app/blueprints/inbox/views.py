"""The inbox's list (open items, or the handled ones behind a tab) and Mark handled."""

from __future__ import annotations

from flask import flash, g, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal_app.blueprints.inbox import console
from portal_app.data import search
from portal_app.data.tenancy import shop_get_or_404
from portal_app.extensions import db
from portal_app.models import Customer, InboxItem
from portal_app.services import inbox
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render, see_other, wants_fragment

PER_PAGE = 25
SHOWN = (joinedload(InboxItem.customer), joinedload(InboxItem.contact))
STATUS_LABELS = {"open": "Open", "handled": "Handled"}  # the filter bar's Status


def _matching(query, text: str):
    """The items of a customer whose name starts with `text`, or about a document whose number
    does ("est-0006", "request #12")."""
    return search.matching(query, InboxItem.id, [
        search.Branch(InboxItem.customer_id, among=select(Customer.id).where(
            Customer.shop_id == g.shop.id, search.starts_with(Customer.name_key, text))),
        search.Branch(InboxItem.id, among=select(InboxItem.id).where(
            InboxItem.shop_id == g.shop.id,
            func.lower(InboxItem.document_number).startswith(search.search_key(text),
                                                             autoescape=True)))], text)


def document_link(item: InboxItem) -> str:
    """The console page of what the item is about (its document, or its customer)."""
    endpoint, key = inbox.DOCUMENT_PAGES[item.document_type]
    return url_for(endpoint, **{key: item.document_id})


@console.get("/inbox")
def index():
    """The shop's open items, urgent requests first and then the oldest; or the handled ones,
    the latest first (Status in the filter bar; ?show=handled as before); the search box
    narrows them to a customer or a document."""
    handled = "handled" in (request.args.get("status"), request.args.get("show"))
    query = inbox.handled_items(g.shop.id) if handled else inbox.open_items(g.shop.id)
    q = request.args.get("q", "").strip()[:100]
    if q:
        query = _matching(query, q)
    page = paginate(query.options(*SHOWN), PER_PAGE)
    values = {"status": "handled" if handled else "open", "q": q}
    return render("inbox/index.html", handled=handled, page=page, values=values,
                  params={key: value for key, value in values.items()
                          if value and value != "open"},
                  statuses=list(STATUS_LABELS), status_labels=STATUS_LABELS,
                  open_count=inbox.open_count(g.shop.id), labels=inbox.KIND_LABELS,
                  link=document_link)


@console.post("/inbox/<int:item_id>/handled")
def handle(item_id: int):
    """Mark handled: the item leaves the open ones, saying who and when (a second click, or
    another tab's, changes nothing). htmx gets the row back; a plain form the inbox."""
    item = shop_get_or_404(InboxItem, item_id, *SHOWN)
    first = inbox.handle(item, current_user)
    db.session.commit()
    if wants_fragment():
        return render("inbox/index.html", "item", item=item, handled=False,
                      open_count=inbox.open_count(g.shop.id), labels=inbox.KIND_LABELS,
                      link=document_link)
    number = item.document_number[:1].upper() + item.document_number[1:]
    flash(f"Marked handled: {number}." if first else
          f"{item.handled_by_label or 'Someone'} had already marked {number} handled.",
          "success")
    return see_other(url_for("staff.inbox.index"))
