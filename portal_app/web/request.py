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
