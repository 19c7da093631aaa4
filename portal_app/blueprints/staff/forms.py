"""Forms of the staff console: only these fields are ever read from a request."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SearchField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal_app.form_filters import single_line, strip
from portal_app.services.passwords import MAX_LENGTH


class StaffLoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."),
                                            Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."),
                                                     Length(max=MAX_LENGTH)])


class CustomerForm(FlaskForm):
    name = StringField("Company name", filters=[strip], validators=[
        DataRequired("Enter the customer's name."), Length(max=160), single_line])
    account_number = StringField("Account number", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])


class ContactForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Enter the contact's name."), Length(max=120), single_line])
    email = EmailField("Email", filters=[strip], validators=[
        DataRequired("Enter the contact's email address."), Length(max=254),
        Email("Enter an email address like name@example.com.")])
    phone = StringField("Phone", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    is_billing = BooleanField("Billing contact (receives invoices)")


class NewContactForm(ContactForm):
    send_invitation = BooleanField("Send portal invitation now", default=True)


class LocationForm(FlaskForm):
    name = StringField("Location name", filters=[strip], validators=[
        DataRequired("Enter a name for the location, e.g. “North yard”."), Length(max=120),
        single_line])
    address = TextAreaField("Address", filters=[strip], validators=[Optional(), Length(max=500)])


class CustomerSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField("Search customers", filters=[strip], validators=[Optional(), Length(max=100)])
