"""Forms of the console's actions on a service request. The thread's form is the documents'
CommentForm (customers) and ReplyForm (staff), as on every document.

The request form itself is read field by field in views.posted_draft_values(): its draft keeps
what a form would refuse (an overlong description, a past date) so that nothing typed is lost,
and the checks that stop a submission are services.service_requests.draft_problems()."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal_app.services.service_requests import COMMENT_MAX, earliest_service_date
from portal_app.web.forms import single_line, strip


def not_in_the_past(form, field):
    if field.data and field.data < earliest_service_date():
        raise ValidationError("This date is in the past. Pick today or a later date.")


class ScheduleForm(FlaskForm):
    scheduled_for = DateField("Service date", validators=[
        DataRequired("Pick the date of the visit."), not_in_the_past])


class ConvertForm(FlaskForm):
    existing = StringField("Existing work order", filters=[strip], validators=[
        Optional(), Length(max=20), single_line])


class CloseForm(FlaskForm):
    note = TextAreaField("Closing note", filters=[strip], validators=[
        DataRequired("Tell the customer why the request is closed."),
        Length(max=COMMENT_MAX, message=f"Keep the note under {COMMENT_MAX:,} characters.")])
