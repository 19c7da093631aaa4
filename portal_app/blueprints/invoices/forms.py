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
