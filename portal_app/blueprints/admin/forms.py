"""Forms of the admin pages: only these fields are ever read from a request."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal_app.clock import zone_names
from portal_app.web.forms import SearchForm, email_field, name_field, search_field, single_line, strip
from portal_app.models import StaffUser
from portal_app.services.branding import brand_color_problem

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
    logo = FileField("Logo")
    remove_logo = BooleanField("Remove the logo")
    support_email = EmailField("Support email", filters=[strip], validators=[
        Optional(), Length(max=254), Email("Enter an email address like help@example.com.")])
    support_phone = StringField("Support phone", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    pay_instead_text = TextAreaField("How to pay when online payment is unavailable",
                                     filters=[strip], validators=[Optional(), Length(max=1000)])
    timezone = SelectField("Time zone", validators=[known_zone], validate_choice=False)
    invoice_notifications = BooleanField("Email billing contacts when an invoice is issued")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(name, name.replace("_", " "))
                                 for name in zone_names()]


class InviteStaffForm(FlaskForm):
    name = name_field("Enter their name.")
    email = email_field("Enter their email address.")
    role = SelectField("Role", choices=ROLE_CHOICES, default="staff")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class PreviewSearchForm(SearchForm):
    q = search_field("Customer")
