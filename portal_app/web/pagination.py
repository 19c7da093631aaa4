"""Pages of a list without counting the whole list: fetch one row more than a page to know
whether there is a next page. A list of 100,000 invoices costs what a list of 30 does."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, func, select

from portal_app.extensions import db

MAX_PAGE = 10_000


@dataclass
class Page:
    items: list
    page: int
    has_next: bool
    pages: None = None  # unknown on purpose: the pager shows "Page N" and Previous/Next

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_number() -> int:
    """The ?page= number: a bad or huge one is page 1 / the last we allow, never an error."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def paginate(query: Select, per_page: int) -> Page:
    """The ?page= page of query's rows."""
    page = page_number()
    rows = db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page))
    items = rows.unique().all()
    return Page(items=items[:per_page], page=page, has_next=len(items) > per_page)


def paginate_in_two(first: Select, then: Select, per_page: int) -> Page:
    """The ?page= page of `first`'s rows followed by `then`'s, each SELECT in its own order
    (e.g. what waits for the customer first, then the rest, both newest first): two index walks
    instead of sorting every row by a computed key. `first`'s rows before this page are counted
    only as far as this page needs (the first page needs no count)."""
    page = page_number()
    offset = (page - 1) * per_page
    wanted = per_page + 1

    def rows(statement: Select, limit: int, skip: int) -> list:
        return db.session.scalars(statement.limit(limit).offset(skip)).unique().all()

    items = []
    if offset == 0:  # the first page starts with `first`'s rows: nothing to count
        items = rows(first, wanted, 0)
        before = len(items)
    else:
        counted = first.order_by(None).limit(offset + wanted).offset(None).subquery()
        before = db.session.scalar(select(func.count()).select_from(counted)) or 0
        if before > offset:
            items = rows(first, wanted, offset)
    if len(items) < wanted:
        items += rows(then, wanted - len(items), max(offset - before, 0))
    return Page(items=items[:per_page], page=page, has_next=len(items) > per_page)
