"""Filters and validators every form uses: trimmed values, single-line text."""

import re

from wtforms.validators import ValidationError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def single_line(form, field):
    """Refuse line breaks and control characters (they would break email headers)."""
    if field.data and _CONTROL.search(field.data):
        raise ValidationError("Use a single line without special characters.")


def strip(value):
    return value.strip() if isinstance(value, str) else value
