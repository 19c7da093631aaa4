"""The console's invoice forms: a draft with its lines, "Mark as paid", void. Only these fields
are read from a request."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal_app.blueprints.documents.forms import LinesField
from portal_app.web.forms import MoneyField, single_line, strip


class InvoiceForm(FlaskForm):
    customer_id = SelectField("Customer", coerce=int, validate_choice=True)
    number = StringField("Invoice number", filters=[strip], validators=[
        DataRequired("Enter an invoice number."), Length(max=30), single_line])
    unit_number = StringField("Unit Number", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    issued_on = DateField("Issue date", validators=[Optional()])
    due_on = DateField("Due date", validators=[Optional()])
    memo = TextAreaField("Note to the customer", filters=[strip], validators=[
        Optional(), Length(max=2000)])
    lines = LinesField()

    def validate_due_on(self, field):
        if field.data and self.issued_on.data and field.data < self.issued_on.data:
            raise ValidationError("The due date can't be before the issue date.")


class IssueForm(FlaskForm):
    """Issue a draft: the due date it is issued with (the page fills in the draft's, or the
    issue date plus the shop's payment terms; empty means that too)."""

    due_on = DateField("Due date", validators=[Optional()])


class ManualPaymentForm(FlaskForm):
    amount = MoneyField("Amount received", filters=[strip], validators=[
        DataRequired("Enter the amount received.")])
    method = SelectField("Method", choices=[
        SelectChoice(value, label) for value, label in (
            ("check", "Check"), ("cash", "Cash"), ("transfer", "Bank transfer"),
            ("card", "Card (in person)"), ("other", "Other"))])
    reference = StringField("Reference", filters=[strip], validators=[
        Optional(), Length(max=120), single_line])
    paid_on = DateField("Date received", validators=[DataRequired("Enter the date received.")])


class VoidForm(FlaskForm):
    reason = StringField("Reason", filters=[strip], validators=[
        Optional(), Length(max=300), single_line])


class IssueDateField(DateField):
    """A day typed as 2025-03-31 (what a date input sends); anything else gets a message that
    says so, kept next to the field with what was typed."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValidationError("Enter a date like 2025-03-31.") from None


class InvoiceFilterForm(FlaskForm):
    """The invoice list's extra filters, read from the query string (a GET form: no CSRF
    token), for its page and its export alike: unit, PO number and the issue-date range."""

    class Meta:
        csrf = False

    unit = StringField("Unit number", filters=[strip], validators=[
        Optional(), Length(max=40, message="A unit number has at most 40 characters."),
        single_line])
    po = StringField("PO number", filters=[strip], validators=[
        Optional(), Length(max=200, message="A PO number has at most 200 characters."),
        single_line])
    issued_from = IssueDateField("Issued from", validators=[Optional()])
    issued_to = IssueDateField("Issued to", validators=[Optional()])

    def validate_issued_to(self, field):
        if field.data and self.issued_from.data and field.data < self.issued_from.data:
            raise ValidationError("The end of the range can't be before its start "
                                  f"({self.issued_from.data:%-d %b %Y}).")

    def valid(self, name: str):
        """The field's value when it is a filter to apply: set and without an error."""
        field = self[name]
        return None if field.errors or not field.data else field.data

    def params(self) -> dict:
        """What was typed in each field, as the list's links carry it (empty ones left out)."""
        return {name: self[name].raw_data[0] for name in ("unit", "po", "issued_from",
                                                          "issued_to")
                if self[name].raw_data and self[name].raw_data[0].strip()}
