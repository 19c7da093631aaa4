"""Ids from URLs and forms: ASCII digits within the range every database column holds.

An id outside that range (2^31 and more overflow PostgreSQL's integer, 2^63 SQLite's) or
written with other digits ("²", "٣") names no row: a route answers 404, a form field its message.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(raw: object) -> int | None:
    """The id written in raw (surrounding spaces allowed), or None when it cannot name a row."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """<int:...> in routes: ASCII digits up to MAX_ID; anything else does not match (404)."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        found = parse_id(value)
        if found is None:
            raise ValidationError()
        return found


def version_number(raw: object) -> int:
    """A version a form says it was based on (0 and up), or -1 when it is not one: never a
    version any document has, so the form is treated as stale."""
    if isinstance(raw, str) and _DIGITS.fullmatch(raw.strip()) and int(raw) <= MAX_ID:
        return int(raw)
    return -1


def id_arg(args, name: str) -> int | None:
    """An id from the query string (?customer_id=...), or None when absent or impossible."""
    return parse_id(args.get(name))
