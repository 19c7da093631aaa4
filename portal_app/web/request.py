"""The request class: htmx headers (htmx-flask) and form/query values without NUL characters.

No database stores NUL in text (PostgreSQL refuses it), and no person types one, so it is
dropped at the edge instead of failing deep inside a query.
"""

from __future__ import annotations

from htmx_flask.requests import HtmxAwareRequest
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items


def _clean(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(_clean(k), _clean(v)) for k, v in iter_multi_items(mapping)]
        super().__init__(mapping)


class PortalRequest(HtmxAwareRequest):
    parameter_storage_class = NulFreeMultiDict


def accepts_upload(limit: int, too_large: str | None = None):
    """Let a view take a request body of up to `limit` bytes (a file) where the app allows
    MAX_CONTENT_LENGTH. The limit is set before anything reads the body, CSRF included
    (`raise_upload_limit` runs first of the app's hooks); a larger body is a 413, whose page
    says `too_large` (what fits) when given."""
    def mark(view):
        view.upload_limit = limit
        if too_large:
            view.too_large = too_large
        return view
    return mark


def raise_upload_limit() -> None:
    """The app's first before_request: the upload limit of the view this request goes to."""
    from flask import current_app, request

    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "upload_limit", None)
    if limit is not None:
        request.max_content_length = limit
