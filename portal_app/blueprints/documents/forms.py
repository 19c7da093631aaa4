"""Forms every document shares: line rows (invoices, estimates, work orders), comments and
replies, and the customer's decision. Only these fields are read from a request."""

from __future__ import annotations

from decimal import Decimal

from flask import g
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FieldList, Form, FormField, IntegerField, MultipleFileField,
                     SelectField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (DataRequired, InputRequired, Length, Optional, StopValidation,
                                ValidationError)

from portal_app.services import attachments, pricing
from portal_app.services.comments import COMMENT_MAX
from portal_app.services.invoices import money
from portal_app.web.forms import DecimalTextField, MoneyField, single_line, strip
from portal_app.web.ids import version_number
from portal_app.web.submissions import SubmissionKeyField

TEXT_MAX = 2000
BLANK_LINES = 3  # empty rows a lines form shows, and "More lines" adds


MAX_PRICE = money(pricing.MAX_UNIT_PRICE_CENTS)


class LineForm(Form):
    """One line of a document; a line with no description, quantity, price or discount typed
    is blank and ignored. Taxable starts as the shop's default for the kind (parts here, the
    kind a blank row starts with)."""

    description = StringField("Description", filters=[strip], validators=[
        Optional(), Length(max=300, message="Keep the description under 300 characters."),
        single_line])
    kind = SelectField("Kind", default=pricing.DEFAULT_KIND, choices=[
        SelectChoice(value, label) for value, label in pricing.KINDS.items()],
        validate_choice=False)
    quantity = DecimalTextField(
        "Qty", places=2, minimum=Decimal("0.01"), maximum=pricing.MAX_QUANTITY,
        message="Enter a quantity from 0.01 to 9,999.99 (two decimals at most), like 1.5.")
    unit_price = MoneyField("Unit price", filters=[strip], validators=[Optional()])
    discount = DecimalTextField(
        "Discount %", places=2, minimum=Decimal(0), maximum=Decimal(100),
        message="Enter a discount from 0 to 100 (percent, two decimals at most).")
    taxable = BooleanField("Taxable", default=pricing.DEFAULT_TAXABLE[pricing.DEFAULT_KIND])

    @property
    def is_blank(self) -> bool:
        return not (self.description.data or self.unit_price.data or self.quantity.data or
                    self.discount.data)

    def validate_kind(self, field):
        if field.data not in pricing.KINDS:
            field.data = pricing.DEFAULT_KIND
            raise ValidationError("Choose Labour, Parts or Fee.")

    def validate_unit_price(self, field):
        if field.cents is not None and field.cents > pricing.MAX_UNIT_PRICE_CENTS:
            raise ValidationError(f"Enter a unit price up to {MAX_PRICE}.")

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


def _posted(entry) -> dict:
    line = entry.form
    return {"description": line.description.data, "kind": line.kind.data,
            "quantity": line.quantity.value or Decimal(1),
            "unit_price_cents": line.unit_price.cents or 0,
            "discount": line.discount.value or Decimal(0), "taxable": bool(line.taxable.data),
            "optional": bool(getattr(line, "optional", None) and line.optional.data)}


def posted_lines(form) -> list[dict]:
    """The non-blank line rows of a valid form, as the services take them."""
    return [_posted(entry) for entry in form.lines if not entry.form.is_blank]


def within_total(form, field) -> None:
    """A document's total (its lines, and the shop's tax on the taxable ones) stays within the
    limit; else the message goes next to the last line's unit price and above the form."""
    lines = [entry for entry in field.entries if not entry.form.is_blank]
    if not lines or any(entry.form.errors for entry in lines):
        return
    posted = [_posted(entry) for entry in lines]
    shop = g.get("shop")
    tax = pricing.Tax(rate=shop.tax_rate) if shop is not None else pricing.NO_TAX
    figures = pricing.totals(((pricing.line_amount(line["quantity"], line["unit_price_cents"],
                                                   line["discount"]), line["taxable"])
                              for line in posted), tax)
    if figures.total_cents > pricing.MAX_TOTAL_CENTS:
        message = (f"These lines come to {money(figures.total_cents)}; a document's total can "
                   f"be at most {money(pricing.MAX_TOTAL_CENTS)}. Split the work into several "
                   "documents.")
        lines[-1].form.unit_price.errors.append(message)
        form.form_errors.append(message)  # above the form too: the first screen on a phone
        raise ValidationError(message)


class LinesField(FieldList):
    """A document's line rows: up to 100, and a total within the limit (within_total)."""

    def __init__(self, entry_form=None, **kwargs):
        super().__init__(FormField(entry_form or LineForm), min_entries=BLANK_LINES,
                         max_entries=100, validators=[within_total], **kwargs)


def fill_lines(form, lines, blank: int = BLANK_LINES) -> None:
    """Put a document's lines into the form's rows, with `blank` empty rows after them."""
    while len(form.lines) < len(lines) + blank:
        form.lines.append_entry()
    for entry, line in zip(form.lines, lines):
        row = entry.form
        row.description.data, row.kind.data = line.description, line.kind
        row.quantity.process_data(line.quantity)
        row.unit_price.data = f"{line.unit_price_cents / 100:.2f}"
        row.discount.process_data(line.discount if line.discount else None)
        row.taxable.data = line.taxable
        if hasattr(row, "optional"):
            row.optional.data = line.optional


def default_taxable(form, shop) -> None:
    """Blank rows start with the shop's taxable default for their kind."""
    for entry in form.lines:
        if entry.form.is_blank:
            entry.form.taxable.data = shop.taxable_by_default(entry.form.kind.data
                                                              or pricing.DEFAULT_KIND)


class WrittenOrFiles:
    """A comment needs words, or photos and files where its thread takes them
    (`form.takes_files`): empty text with no file is refused with `message`."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.data and not (form.takes_files and attachments.posted()):
            raise StopValidation(self.message)


def _comment_field(label: str, what: str, first: str):
    return TextAreaField(label, filters=[strip], validators=[
        WrittenOrFiles(first),
        Length(max=COMMENT_MAX, message=f"Keep the {what} under {COMMENT_MAX:,} characters.")])


class CommentForm(FlaskForm):
    """A comment (or a reply): its text and, where the thread takes them (`takes_files`, set by
    threads.comment_form), "Add photos or files"; the view reads and checks the files
    (services.attachments), a refusal is the `files` field's error."""

    body = _comment_field("Comment", "comment", "Write your comment first.")
    # Its own id: a page may have another "Add photos or files" (a work order's own files).
    files = MultipleFileField("Add photos or files", id="comment-files")
    submission_key = SubmissionKeyField()
    takes_files = False


class ReplyForm(CommentForm):
    body = _comment_field("Reply", "reply", "Write your reply first.")


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
