"""The console's work order forms: the work and its lines, additional work for approval, the
status. Only these fields are read from a request."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal_app.blueprints.documents.forms import TEXT_MAX, LineForm, LinesField
from portal_app.web.forms import strip


class WorkOrderLineForm(LineForm):
    line_id = HiddenField()  # the line the row shows: saving changes it in place (its photos stay)


class WorkOrderForm(FlaskForm):
    description = TextAreaField("Work to do", filters=[strip], validators=[
        Optional(), Length(max=TEXT_MAX)])
    lines = LinesField(WorkOrderLineForm)


class AdditionalWorkForm(FlaskForm):
    note = TextAreaField("Note to the customer", filters=[strip], validators=[
        Optional(), Length(max=TEXT_MAX)])
    lines = LinesField()
    based_on = HiddenField()  # the approval round the form started from


class WorkOrderStatusForm(FlaskForm):
    status = SelectField("Status", choices=[
        SelectChoice(value, label) for value, label in (
            ("open", "Open"), ("in_progress", "In progress"), ("completed", "Completed"),
            ("closed", "Closed"))])
