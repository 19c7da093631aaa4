"""Text search: prefix match on normalized, indexed columns, the same on SQLite and PostgreSQL.

What people type is normalized like the stored keys (spaces collapsed, case folded) and matched
against the start of Unit Numbers, makes, models, invoice numbers, customer names and account
numbers, contact names and emails. Each key column has a B-tree index led by its scope (shop or
customer) and is compared in code-point order (SQLite's BINARY collation; COLLATE "C" on
PostgreSQL, whatever the database's own collation), so `key >= 'kenw' AND key < 'kenx'` is an
index range on both databases.

A search over several columns is answered in two steps (matching()): a bounded probe asks each
column's index for at most PROBE matches; when every column has no more, the page is sorted from
those ids (a few hundred rows at most). When one column matches more, matches are common enough
that walking the list's own index in its order and filtering finds a page after a few thousand
rows, and that is what the second query does. Either way the cost does not grow with the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    false,
    literal,
    or_,
    select,
    union_all,
)

from portal_app.extensions import db

PROBE = 200  # matches per column above which a search walks the list's order instead


def search_key(text: str | None) -> str:
    """The form text is compared in: spaces collapsed, case folded ("T-101 " is "t-101")."""
    return " ".join((text or "").split()).casefold()


def _after(prefix: str) -> str | None:
    """The smallest string greater than every string starting with prefix (None if none)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if last == 0xD800:
            last = 0xE000  # no surrogates in UTF-8
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


def starts_with(column: ColumnElement, text: str) -> ColumnElement[bool]:
    """column (a normalized key) starts with what was typed: an index range."""
    prefix = search_key(text)
    upper = _after(prefix)
    if upper is None:
        return column >= prefix
    return and_(column >= prefix, column < upper)


@dataclass(frozen=True)
class Branch:
    """One way a row matches: `column` (indexed, led by the list's scope) starts with the
    text, or for a key of another table, `column` is among `among`'s ids."""

    column: ColumnElement
    among: Select | None = None  # a SELECT of ids; None: column is a normalized key
    # Document numbers are found by their digits too: "0001" finds "EST-0001" (the prefix the
    # portal numbers them with), as a second range of the same index.
    number_prefix: str | None = None

    def condition(self, text: str, column: ColumnElement | None = None) -> ColumnElement[bool]:
        column = self.column if column is None else column
        if self.among is not None:
            return column.in_(self.among)
        if self.number_prefix and search_key(text).isdigit():
            return or_(starts_with(column, text), starts_with(column, self.number_prefix + text))
        return starts_with(column, text)


def _unindexed(column: ColumnElement) -> ColumnElement:
    """The same value as an expression no index serves: the walk keeps to the list's order."""
    if isinstance(column.type, Integer):
        return column + 0
    return column.concat(literal(""))


def matching(query: Select, id_column: ColumnElement, branches: Sequence[Branch],
             text: str) -> Select:
    """`query` (a list's SELECT with its scope and filters, no order or options yet) narrowed
    to the rows any branch matches, in a form the database answers from indexes."""
    probes = [select(literal(n).label("branch"), probe.c.id) for n, probe in enumerate(
        query.with_only_columns(id_column.label("id")).where(branch.condition(text))
        .order_by(None).limit(PROBE + 1).subquery() for branch in branches)]
    rows = db.session.execute(union_all(*probes)).all()
    per_branch = [0] * len(branches)
    for branch, _ in rows:
        per_branch[branch] += 1
    if max(per_branch) <= PROBE:
        found = sorted({row_id for _, row_id in rows})
        # Nothing found: a condition the planner knows is false (an empty IN is not, for every
        # database, and would walk the whole list to test it row by row). The ids themselves
        # are given as values: PostgreSQL fetches them by primary key, where an IN (subquery)
        # made it walk the list and look each row up in the subquery.
        return query.where(id_column.in_(found) if found else false())
    return query.where(or_(*(branch.condition(text, _unindexed(branch.column))
                             for branch in branches)))
