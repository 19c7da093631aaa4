"""CSV downloads: written by Python's csv module, UTF-8 with a BOM so Excel opens it, streamed
row by row (never built in memory), every cell neutralised against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from flask import Response, stream_with_context

from portal_app.web.headers import download

CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """A value as a safe CSV cell: None is empty, and text a spreadsheet would run as a formula
    (starting with = + - @, a tab or a carriage return) is prefixed with an apostrophe. Numbers
    are written as they are (a negative amount stays a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The BOM and header, then one CSV line per row, each made as it is sent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> str:
        writer.writerow([cell(v) for v in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(header)
    for row in rows:
        yield line(row)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A streamed CSV download named `filename`; `rows` is consumed while the response is sent
    (a generator reading the database in batches keeps memory flat)."""
    return download(Response(stream_with_context(csv_lines(header, rows))), filename, CSV_TYPE)
