"""The portal's faster html_params renders exactly what WTForms' own does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from portal_app import form_markup

KEYS = st.sampled_from(["id", "name", "type", "value", "class_", "for_", "data_hx_post",
                        "aria_describedby", "aria-invalid", "required", "maxlength",
                        "autocomplete", "placeholder", "selected", "checked", "hx-post"])
VALUES = st.one_of(st.booleans(), st.integers(-10**6, 10**6), st.none(), st.text(max_size=30),
                   st.text(max_size=30).map(Markup),
                   st.sampled_from(['"><img src=x onerror=alert(1)>', "a&b", "'x'", "{k}",
                                    "{{7*7}}", "\u202e", "é"]))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=8))
def test_it_renders_what_wtforms_renders(attributes):
    assert form_markup.html_params(**attributes) == form_markup._original(**attributes)


def test_the_app_uses_it_for_every_widget(app):
    from wtforms.widgets import core

    assert core.html_params is form_markup.html_params
    assert core.Input.html_params is form_markup.html_params
