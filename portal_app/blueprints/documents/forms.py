"""Forms every document shares: line rows (invoices, estimates, work orders), comments and
replies, and the customer's decision. Only these fields are read from a request."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal_app.services.comments import COMMENT_MAX
from portal_app.web.forms import MoneyField, single_line, strip
from portal_app.web.ids import version_number
from portal_app.web.submissions import SubmissionKeyField

TEXT_MAX = 2000
BLANK_LINES = 3  # empty rows a lines form shows, and "More lines" adds


class LineForm(Form):
    """One line of a document; a completely blank line is ignored."""

    description = StringField("Description", filters=[strip], validators=[
        Optional(), Length(max=300, message="Keep the description under 300 characters."),
        single_line])
    quantity = IntegerField("Qty", validators=[Optional(), NumberRange(
        min=1, max=100000, message="Enter a quantity from 1 to 100,000.")])
    unit_price = MoneyField("Unit price", filters=[strip], validators=[Optional()])

    @property
    def is_blank(self) -> bool:
        return not (self.description.data or self.unit_price.data or
                    self.quantity.raw_data and self.quantity.raw_data[0])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_blank:
            return ok
        if not self.description.data:
            self.description.errors.append("Describe the work or part.")
            ok = False
        if not self.unit_price.data:
            self.unit_price.errors.append("Enter the unit price.")
            ok = False
        return ok


def posted_lines(form) -> list[dict]:
    """The non-blank line rows of a valid form, as the services take them."""
    return [{"description": entry.form.description.data,
             "quantity": entry.form.quantity.data or 1,
             "unit_price_cents": entry.form.unit_price.cents,
             "optional": bool(getattr(entry.form, "optional", None) and
                              entry.form.optional.data)}
            for entry in form.lines if not entry.form.is_blank]


def fill_lines(form, lines, blank: int = BLANK_LINES) -> None:
    """Put a document's lines into the form's rows, with `blank` empty rows after them."""
    while len(form.lines) < len(lines) + blank:
        form.lines.append_entry()
    for entry, line in zip(form.lines, lines):
        entry.form.description.data, entry.form.quantity.data = line.description, line.quantity
        entry.form.unit_price.data = f"{line.unit_price_cents / 100:.2f}"
        if hasattr(entry.form, "optional"):
            entry.form.optional.data = line.optional


def _comment_field(label: str, what: str, first: str):
    return TextAreaField(label, filters=[strip], validators=[
        DataRequired(first),
        Length(max=COMMENT_MAX, message=f"Keep the {what} under {COMMENT_MAX:,} characters.")])


class CommentForm(FlaskForm):
    body = _comment_field("Comment", "comment", "Write your comment first.")
    submission_key = SubmissionKeyField()


class ReplyForm(CommentForm):
    body = _comment_field("Reply", "reply", "Write your reply first.")


class MessageForm(CommentForm):
    """A service request's thread calls them messages, on both sides."""

    body = _comment_field("Message", "message", "Write a message first.")


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
