"""Forms of estimates and work orders: comments, the customer's decision, and the console's
estimate, work order and additional-work forms. Only these fields are read from a request."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal_app.blueprints.assets.forms import OwnChoiceField
from portal_app.blueprints.staff.forms import InvoiceLineForm
from portal_app.web.forms import single_line, strip
from portal_app.web.ids import version_number
from portal_app.services.comments import COMMENT_MAX
from portal_app.web.submissions import SubmissionKeyField

TEXT_MAX = 2000


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", filters=[strip], validators=[
        DataRequired("Write your comment first."),
        Length(max=COMMENT_MAX, message=f"Keep the comment under {COMMENT_MAX:,} characters.")])
    submission_key = SubmissionKeyField()


class ReplyForm(CommentForm):
    body = TextAreaField("Reply", filters=[strip], validators=[
        DataRequired("Write your reply first."),
        Length(max=COMMENT_MAX, message=f"Keep the reply under {COMMENT_MAX:,} characters.")])


class VersionField(IntegerField):
    """The version (or approval round) a page showed: ASCII digits a column can hold, or no
    value at all (the page is then treated as out of date, never as an error)."""

    def process_formdata(self, valuelist):
        number = version_number(valuelist[0]) if valuelist else -1
        self.data = number if number >= 0 else None


class DecisionForm(FlaskForm):
    """The customer's decision. The version seen travels with it; the ticked optional lines
    are the `line` values, read by the view."""

    version = VersionField(validators=[InputRequired("Reload the page and decide again.")])
    signed_name = StringField("Your name", filters=[strip], validators=[
        DataRequired("Type your name: it is your signature."), Length(max=120), single_line])
    po_number = StringField("PO number", filters=[strip], validators=[
        Optional(), Length(max=60, message="Keep the PO number under 60 characters."),
        single_line])
    reason = TextAreaField("Reason", filters=[strip], validators=[
        Optional(), Length(max=TEXT_MAX, message=f"Keep the reason under {TEXT_MAX:,} "
                                                 "characters.")])


class EstimateLineForm(InvoiceLineForm):
    """One estimate line: any line may be optional (the customer opts in)."""

    optional = BooleanField("Optional")


class EstimateForm(FlaskForm):
    customer_id = SelectField("Customer", coerce=int, validate_choice=True)
    unit_number = StringField("Unit Number", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    location_id = OwnChoiceField("Location", coerce=str, choices=[],
                                 refusal="Choose one of the customer's locations.")
    valid_until = DateField("Valid until", validators=[Optional()])
    notes = TextAreaField("Note to the customer", filters=[strip], validators=[
        Optional(), Length(max=TEXT_MAX)])
    lines = FieldList(FormField(EstimateLineForm), min_entries=3, max_entries=100)
    based_on = HiddenField()  # the version the edit started from
    submission_key = SubmissionKeyField()


class WorkOrderForm(FlaskForm):
    description = TextAreaField("Work to do", filters=[strip], validators=[
        Optional(), Length(max=TEXT_MAX)])
    lines = FieldList(FormField(InvoiceLineForm), min_entries=3, max_entries=100)


class AdditionalWorkForm(FlaskForm):
    note = TextAreaField("Note to the customer", filters=[strip], validators=[
        Optional(), Length(max=TEXT_MAX)])
    lines = FieldList(FormField(InvoiceLineForm), min_entries=3, max_entries=100)
    based_on = HiddenField()  # the approval round the form started from


class WorkOrderStatusForm(FlaskForm):
    status = SelectField("Status", choices=[
        SelectChoice(value, label) for value, label in (
            ("open", "Open"), ("in_progress", "In progress"), ("completed", "Completed"),
            ("closed", "Closed"))])


def posted_lines(form) -> list[dict]:
    """The non-blank line rows of a valid form, as the services take them."""
    return [{"description": entry.form.description.data,
             "quantity": entry.form.quantity.data or 1,
             "unit_price_cents": entry.form.unit_price.cents,
             "optional": bool(getattr(entry.form, "optional", None) and
                              entry.form.optional.data)}
            for entry in form.lines if not entry.form.is_blank]
