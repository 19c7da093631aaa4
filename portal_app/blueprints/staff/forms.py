"""Forms of the staff console: only these fields are ever read from a request."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SearchField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    Regexp,
)

from portal_app.web.forms import single_line, strip


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


class CustomerSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField("Search customers", filters=[strip], validators=[Optional(), Length(max=100)])


class PaymentSettingsForm(FlaskForm):
    stripe_account_id = StringField("Stripe account id", filters=[strip], validators=[
        Optional(), Length(max=64), Regexp(r"^acct_[A-Za-z0-9]+$",
                                           message="A Stripe account id looks like acct_1AbC…")])
    bank_transfer_enabled = BooleanField("Offer bank transfer (ACH) as well as card")
