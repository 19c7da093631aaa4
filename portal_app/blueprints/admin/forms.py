"""Forms of the admin pages: only these fields are ever read from a request."""

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal_app.clock import zone_names
from portal_app.web.forms import (DecimalTextField, SearchForm, email_field, lines_of_text,
                                  name_field, search_field, single_line, strip)
from portal_app.models import StaffUser
from portal_app.services import pricing
from portal_app.services.branding import brand_color_problem

_PICKED = re.compile(r"#[0-9a-f]{6}")  # what <input type="color"> sends
ROLE_CHOICES = [SelectChoice(role, StaffUser.ROLE_LABELS[role]) for role in ("staff", "admin")]


def readable_on_white_text(form, field):
    problem = brand_color_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def known_zone(form, field):
    if field.data not in zone_names():
        raise ValidationError("Choose the shop's time zone from the list.")


class SettingsForm(FlaskForm):
    name = StringField("Shop name", filters=[strip], validators=[
        DataRequired("Enter the name customers know the shop by."), Length(max=120),
        single_line])
    brand_color = StringField("Brand colour", filters=[strip], validators=[
        DataRequired("Enter a colour such as #1f5f8b."), readable_on_white_text])
    # The colour picker beside the hex field (<input type="color">): see take_picked_colour().
    brand_color_picker = StringField("Pick", filters=[strip])
    logo = FileField("Logo")
    remove_logo = BooleanField("Remove the logo")
    support_email = EmailField("Support email", filters=[strip], validators=[
        Optional(), Length(max=254), Email("Enter an email address like help@example.com.")])
    # The shop's phone: printed on its documents and named on /help (one number, not two).
    support_phone = StringField("Phone", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    address = TextAreaField("Address", filters=[lines_of_text], validators=[
        Optional(), Length(max=500)])
    billing_email = EmailField("Billing email", filters=[strip], validators=[
        Optional(), Length(max=254), Email("Enter an email address like billing@example.com.")])
    remit_to = TextAreaField("Remit-to address", filters=[lines_of_text], validators=[
        Optional(), Length(max=500)])
    payment_terms_days = DecimalTextField(
        "Payment terms (days)", places=0, minimum=Decimal(0), maximum=Decimal(365),
        message="Enter whole days from 0 to 365, like 30 for “Net 30” (0: due on receipt).",
        validators=[DataRequired("Enter the days a customer has to pay, like 30 for “Net 30”.")])
    tax_name = StringField("Tax name", filters=[strip], validators=[  # needed with a rate
        Length(max=40), single_line])
    tax_rate = DecimalTextField(
        "Tax rate (%)", places=3, minimum=Decimal(0), maximum=pricing.MAX_RATE,
        message="Enter the rate in percent from 0 to 100 with at most three decimals, like 8.25 "
                "or 7.125, or leave it empty for no tax.")
    labour_taxable = BooleanField("Labour is taxable")
    parts_taxable = BooleanField("Parts are taxable")
    fee_taxable = BooleanField("Fees are taxable")
    pay_instead_text = TextAreaField("How to pay when online payment is unavailable",
                                     filters=[strip], validators=[Optional(), Length(max=1000)])
    timezone = SelectField("Time zone", validators=[known_zone], validate_choice=False)
    invoice_notifications = BooleanField("Email billing contacts when an invoice is issued")
    attach_invoice_pdf = BooleanField("Attach the PDF to invoice emails")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(name, name.replace("_", " "))
                                 for name in zone_names()]

    def take_picked_colour(self, saved: str) -> None:
        """The hex field is the brand colour's source of truth (it works everywhere, JavaScript
        or not): a colour typed in it wins. Only when it still reads the saved colour and the
        picker was moved is the picker's colour taken."""
        typed = (self.brand_color.data or "").lower()
        picked = (self.brand_color_picker.data or "").lower()
        if _PICKED.fullmatch(picked) and typed == saved.lower() and picked != typed:
            self.brand_color.data = picked

    def picker_value(self, saved: str) -> str:
        """What the picker shows: the colour the hex field holds when it is one, else the saved
        one (a picker only takes #rrggbb)."""
        typed = (self.brand_color.data or "").lower()
        return typed if _PICKED.fullmatch(typed) else saved.lower()

    def validate_tax_name(self, field):
        if not field.data and self.tax_rate.data:
            raise ValidationError("Name the tax as documents print it, like Sales tax.")


class InviteStaffForm(FlaskForm):
    name = name_field("Enter their name.")
    email = email_field("Enter their email address.")
    role = SelectField("Role", choices=ROLE_CHOICES, default="staff")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class PreviewSearchForm(SearchForm):
    q = search_field("Customer")
