"""Filters, validators and fields every form uses: trimmed values, single-line text, an amount
of money, a choice among the customer's own rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from flask_wtf import FlaskForm
from wtforms import EmailField, FieldList, FormField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal_app.services.invoices import parse_money
from portal_app.services.pricing import parse_decimal, plain

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def single_line(form, field):
    """Refuse line breaks and control characters (they would break email headers)."""
    if field.data and _CONTROL.search(field.data):
        raise ValidationError("Use a single line without special characters.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def lines_of_text(value):
    """A multi-line text (an address) with one kind of line break, each line trimmed."""
    if not isinstance(value, str):
        return value
    lines = [line.strip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


def name_field(missing: str, label: str = "Name") -> StringField:
    """A person's name: required (`missing` says so), one line."""
    return StringField(label, filters=[strip], validators=[
        DataRequired(missing), Length(max=120), single_line])


def email_field(missing: str) -> EmailField:
    """An email address: required (`missing` says so) and shaped like one."""
    return EmailField("Email", filters=[strip], validators=[
        DataRequired(missing), Length(max=254),
        Email("Enter an email address like name@example.com.")])


def search_field(label: str = "Search") -> SearchField:
    return SearchField(label, filters=[strip], validators=[Optional(), Length(max=100)])


class SearchForm(FlaskForm):
    """A list's search box (?q=): a GET form, so it carries no CSRF token."""

    class Meta:
        csrf = False

    q = search_field()


class MoneyField(StringField):
    """An amount typed as dollars ("1,250.00"); .cents holds the parsed value."""

    cents: int | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.cents = parse_money(self.data) if self.data else None

    def pre_validate(self, form):
        if self.data and self.cents is None:
            raise ValidationError("Enter an amount like 125.00.")


class DecimalTextField(StringField):
    """A number with up to `places` decimals typed as text ("1.5", "0.25"): .value holds it as
    a Decimal; anything else, or a number outside minimum..maximum, gets `message`."""

    value = None

    def __init__(self, label, *, places: int, minimum, maximum, message: str, **kwargs):
        kwargs.setdefault("filters", [strip])
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, **kwargs)
        self.places, self.minimum, self.maximum, self.message = places, minimum, maximum, message

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.value = parse_decimal(self.data, self.places) if self.data else None

    def process_data(self, value):
        self.data = plain(value) if value is not None else None
        self.value = value

    def pre_validate(self, form):
        if self.data and (self.value is None or not self.minimum <= self.value <= self.maximum):
            raise ValidationError(self.message)


class OwnChoiceField(SelectField):
    """A select whose options are the customer's own rows: anything else is refused with
    `refusal` (a foreign or made-up id), never stored."""

    def __init__(self, *args, refusal: str = "Choose one of the options.", **kwargs):
        super().__init__(*args, **kwargs)
        self.refusal = refusal

    def pre_validate(self, form):
        self.data = self.data or ""  # not posted at all: the empty choice
        if self.data not in {str(value) for value, _ in self.choices}:
            raise ValidationError(self.refusal)


class Problem(NamedTuple):
    """One line of a page's error summary: the message, and the id of the field it is about
    (None: about the form as a whole, or a field the page does not show)."""

    message: str
    field_id: str | None = None


_UNSHOWN = ("HiddenField", "CSRFTokenField", "SubmissionKeyField")


def _field_problems(fields) -> list[Problem]:
    found = []
    for field in fields:
        if isinstance(field, FieldList):
            found += _field_problems(field.entries)
        elif isinstance(field, FormField):
            found += _field_problems(field.form)
        elif field.errors:
            hidden = field.type in _UNSHOWN or \
                getattr(field.widget, "input_type", None) == "hidden"
            found.append(Problem(str(field.errors[0]), None if hidden else field.id))
    return found


def form_problems(*sources) -> list[Problem]:
    """What an error summary lists, in the page's order: each form's own messages, then one per
    field with an error (rows of lines too). A source is a WTForms form, a mapping of field ids
    to messages (a form written by hand, like the request form's), or None (no such form)."""
    found: list[Problem] = []
    for source in sources:
        if source is None:
            continue
        if isinstance(source, Mapping):
            found += [Problem(str(message), field_id)
                      for field_id, message in source.items() if message]
            continue
        found += [Problem(str(message)) for message in getattr(source, "form_errors", ())]
        found += _field_problems(source)
    # A message said above the form and at its field (a total past the limit) is listed once,
    # as the link to the field.
    linked = {problem.message for problem in found if problem.field_id}
    return list(dict.fromkeys(problem for problem in found
                              if problem.field_id or problem.message not in linked))
