"""The statement's date range: a GET form (no CSRF token) with `from` and `to`, and the
console's Email statement (a POST: CSRF) carrying the range it was shown with."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from portal_app.services.statements import DEFAULT_DAYS

YEARS = 50  # a date further than this from today is a typing slip, not a statement
NOUNS = {"from": "a start date", "to": "an end date"}  # what each field's messages ask for


class _Range(FlaskForm):
    start = DateField("From", name="from", validators=[Optional()])
    end = DateField("To", name="to", validators=[Optional()])

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def _check(self, field) -> None:
        noun = NOUNS[field.name]
        if field.raw_data and field.raw_data[0].strip() and field.data is None:
            field.errors[:] = [f"Enter {noun} like {self.today.isoformat()}."]
        elif field.data is not None and abs((field.data - self.today).days) > YEARS * 366:
            field.errors[:] = [f"Enter {noun} within {YEARS} years of today."]

    def period(self) -> tuple[date, date]:
        """Validate, then return the range to show: what was typed where it makes sense, the
        last 90 days ending today otherwise (a bad end date: today; a bad start date or one
        after the end: 90 days before the end). Messages stay on the fields."""
        self.validate()
        for field in (self.start, self.end):
            self._check(field)
        end = self.end.data if self.end.data and not self.end.errors else self.today
        start = self.start.data if self.start.data and not self.start.errors else None
        if start is not None and start > end:
            self.start.errors[:] = ["The start date must be on or before the end date."]
            start = None
        if start is None:
            start = end - timedelta(days=DEFAULT_DAYS)
        for field, value in ((self.start, start), (self.end, end)):
            if not field.errors:  # the field shows the date in force; a wrong one stays typed
                field.raw_data, field.data = [], value
        return start, end


class StatementRange(_Range):
    """?from=...&to=... of the statement page and its downloads."""

    class Meta:
        csrf = False


class EmailStatementForm(_Range):
    """Email statement: the range of the statement on screen, hidden fields (and the CSRF
    token)."""


def as_of_values(start: date, end: date) -> dict[str, str]:
    """The range as URL values (?from=...&to=...)."""
    return {"from": start.isoformat(), "to": end.isoformat()}

