"""WTForms renders each attribute of a form control through Markup.format (Python's
string.Formatter, slow): the portal's form pages spent a tenth of their time there.
`html_params` below produces the same markup with plain string joins;
tests/test_form_markup.py checks it against WTForms' own over random attributes."""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms.widgets import core

_original = core.html_params


def html_params(**kwargs) -> Markup:
    """WTForms' html_params (sorted keys, True as a bare attribute, False left out, values
    escaped with the double quote as &quot;), without Markup.format."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = core.clean_key(key)
        if value is True:
            params.append(str(escape(key)) if not isinstance(key, Markup) else key)
        elif value is not False:
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


def install() -> None:
    """Use the faster html_params wherever WTForms' widgets call it."""
    core.html_params = html_params
    for widget in (core.Input, core.Button):
        widget.html_params = staticmethod(html_params)
