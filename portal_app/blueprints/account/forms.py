"""Forms of the account page (labels are part of the contract)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from portal_app.services.passwords import MAX_LENGTH


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password."), Length(max=MAX_LENGTH)])
    new_password = PasswordField("New password", validators=[
        DataRequired("Choose a new password.")])
    confirm_password = PasswordField("Confirm new password", validators=[
        DataRequired("Type the new password again."),
        EqualTo("new_password", "The two passwords don't match.")])


class NotificationsForm(FlaskForm):
    """One box per kind of email; an unticked box is a kind the person does not want."""

    notify_invoices = BooleanField("New invoices and payment receipts")
    notify_estimates = BooleanField("Estimates and additional work waiting for my approval")
    notify_replies = BooleanField("Replies from the shop")
    notify_requests = BooleanField("Updates on my service requests")
