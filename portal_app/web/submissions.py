"""One key per rendered form, so that a double click or a second tab acts once.

A form that creates a row carries a random key in a hidden field; the row stores it under a
unique constraint. A second post of the same rendered form finds the first row (or trips the
constraint when both arrive at once) instead of creating another.
"""

from __future__ import annotations

import secrets

from wtforms import HiddenField
from wtforms.validators import Length, Optional, Regexp



def new_key() -> str:
    return secrets.token_urlsafe(24)


class SubmissionKeyField(HiddenField):
    """The form's key: a fresh one whenever the form is rendered without posted data."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("default", new_key)
        kwargs.setdefault("validators", [Optional(), Length(max=64),
                                         Regexp(r"^[A-Za-z0-9_-]*$")])
        super().__init__(label, **kwargs)
