"""Forms of the staff console: only these fields are ever read from a request."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from portal_app.web.forms import single_line, strip
from portal_app.services.invoices import parse_money
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


class MoneyField(StringField):
    """An amount typed as dollars ("1,250.00"); .cents holds the parsed value."""

    cents: int | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.cents = parse_money(self.data) if self.data else None

    def pre_validate(self, form):
        if self.data and self.cents is None:
            raise ValidationError("Enter an amount like 125.00.")


class InvoiceLineForm(Form):
    """One line of a draft invoice; a completely blank line is ignored."""

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


class InvoiceForm(FlaskForm):
    customer_id = SelectField("Customer", coerce=int, validate_choice=True)
    number = StringField("Invoice number", filters=[strip], validators=[
        DataRequired("Enter an invoice number."), Length(max=30), single_line])
    unit_number = StringField("Unit Number", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    issued_on = DateField("Issue date", validators=[Optional()])
    due_on = DateField("Due date", validators=[Optional()])
    memo = TextAreaField("Note to the customer", filters=[strip], validators=[
        Optional(), Length(max=2000)])
    lines = FieldList(FormField(InvoiceLineForm), min_entries=3, max_entries=100)

    def validate_due_on(self, field):
        if field.data and self.issued_on.data and field.data < self.issued_on.data:
            raise ValidationError("The due date can't be before the issue date.")


class ManualPaymentForm(FlaskForm):
    amount = MoneyField("Amount received", filters=[strip], validators=[
        DataRequired("Enter the amount received.")])
    method = SelectField("Method", choices=[
        SelectChoice(value, label) for value, label in (
            ("check", "Check"), ("cash", "Cash"), ("transfer", "Bank transfer"),
            ("card", "Card (in person)"), ("other", "Other"))])
    reference = StringField("Reference", filters=[strip], validators=[
        Optional(), Length(max=120), single_line])
    paid_on = DateField("Date received", validators=[DataRequired("Enter the date received.")])


class VoidForm(FlaskForm):
    reason = StringField("Reason", filters=[strip], validators=[
        Optional(), Length(max=300), single_line])


class PaymentSettingsForm(FlaskForm):
    stripe_account_id = StringField("Stripe account id", filters=[strip], validators=[
        Optional(), Length(max=64), Regexp(r"^acct_[A-Za-z0-9]+$",
                                           message="A Stripe account id looks like acct_1AbC…")])
    bank_transfer_enabled = BooleanField("Offer bank transfer (ACH) as well as card")
