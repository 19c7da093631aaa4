"""Forms of the staff console: only these fields are ever read from a request."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    ValidationError,
)

from portal_app.web.forms import (SearchForm, email_field, lines_of_text, name_field,
                                  search_field, single_line, strip)


class CustomerForm(FlaskForm):
    name = StringField("Company name", filters=[strip], validators=[
        DataRequired("Enter the customer's name."), Length(max=160), single_line])
    account_number = StringField("Account number", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    billing_address = TextAreaField("Billing address", filters=[lines_of_text], validators=[
        Optional(), Length(max=500)])
    tax_exempt = BooleanField("Tax exempt")
    tax_exempt_number = StringField("Exemption certificate", filters=[strip], validators=[
        Length(max=60), single_line])  # needed when tax exempt

    def validate_tax_exempt_number(self, field):
        if self.tax_exempt.data and not field.data:
            raise ValidationError("Enter the number of the customer's exemption certificate: "
                                  "documents print it with “Tax exempt”.")


class ContactForm(FlaskForm):
    name = name_field("Enter the contact's name.")
    email = email_field("Enter the contact's email address.")
    phone = StringField("Phone", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    is_billing = BooleanField("Billing contact (receives invoices)")


class NewContactForm(ContactForm):
    send_invitation = BooleanField("Send portal invitation now", default=True)


class CustomerSearchForm(SearchForm):
    q = search_field("Search customers")


class PaymentSettingsForm(FlaskForm):
    # No account id field: the platform creates the shop's account (services/stripe_connect.py).
    bank_transfer_enabled = BooleanField("Offer bank transfer (ACH) as well as card")
