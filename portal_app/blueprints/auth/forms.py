"""Forms of the portal's sign-in pages (labels are part of the contract)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal_app.services.passwords import MAX_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."),
                                            Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."),
                                                     Length(max=MAX_LENGTH)])
    submit = SubmitField("Log in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[
        DataRequired("Enter the email address you log in with."),
        Length(max=254),
        Email("Enter an email address like name@example.com."),
    ])
    submit = SubmitField("Send reset link")


class SetPasswordForm(FlaskForm):
    new_password = PasswordField("New password", validators=[DataRequired("Choose a password.")])
    confirm_password = PasswordField("Confirm password", validators=[
        DataRequired("Type the password again."),
        EqualTo("new_password", "The two passwords don't match."),
    ])
    submit = SubmitField("Set password")


class AccountForm(FlaskForm):
    contact_id = IntegerField(validators=[DataRequired()])


class JoinLoginForm(FlaskForm):
    """Accepting an invitation to an address that already has a login: its own password."""

    password = PasswordField("Password", validators=[DataRequired("Enter your password."),
                                                     Length(max=MAX_LENGTH)])
    submit = SubmitField("Accept invitation")
