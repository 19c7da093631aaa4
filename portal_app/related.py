"""A document's lists (an estimate's lines, an invoice's payments, ...) loaded by a statement
built once per relationship instead of selectinload's, which SQLAlchemy builds, and keys for
its cache, on every request: on a document page that cost more than the queries themselves."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm.attributes import set_committed_value

from portal_app.extensions import db

_STATEMENTS: dict = {}


def _statement(relationship, options: tuple):
    key = (relationship, options)
    found = _STATEMENTS.get(key)
    if found is None:
        prop = relationship.property
        (_, remote), = prop.local_remote_pairs  # one foreign key column, as every list here
        found = select(prop.mapper.class_).where(remote == bindparam("parent"))
        if prop.order_by:
            found = found.order_by(*prop.order_by)
        found = found.options(*options)
        if len(_STATEMENTS) < 64:  # module-level relationships and options repeat; others
            _STATEMENTS[key] = found  # built per call would not, and are not kept
    return found


def fill(parent, relationship, *options):
    """Load parent's one-to-many `relationship` (Estimate.lines, say) in one query, in the
    relationship's order, with `options` (module-level, like joinedload(Approval.contact)),
    and set it as loaded: the page reads parent.lines without another query."""
    rows = db.session.scalars(_statement(relationship, options), {"parent": parent.id}).all()
    set_committed_value(parent, relationship.key, rows)
    return rows
