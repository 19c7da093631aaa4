"""The console's estimate form. Only these fields are read from a request."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from portal_app.blueprints.documents.forms import TEXT_MAX, LineForm, LinesField
from portal_app.web.forms import OwnChoiceField, single_line, strip
from portal_app.web.submissions import SubmissionKeyField


class EstimateLineForm(LineForm):
    """One estimate line: any line may be optional (the customer opts in)."""

    optional = BooleanField("Optional")
    line_id = HiddenField()  # the line the row shows: saving changes it in place (its photos stay)


class EstimateForm(FlaskForm):
    customer_id = SelectField("Customer", coerce=int, validate_choice=True)
    unit_number = StringField("Unit Number", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    location_id = OwnChoiceField("Location", coerce=str, choices=[],
                                 refusal="Choose one of the customer's locations.")
    valid_until = DateField("Valid until", validators=[Optional()])
    notes = TextAreaField("Note to the customer", filters=[strip], validators=[
        Optional(), Length(max=TEXT_MAX)])
    lines = LinesField(EstimateLineForm)
    based_on = HiddenField()  # the version the edit started from
    submission_key = SubmissionKeyField()
