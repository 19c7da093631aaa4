"""An invitation to an address that already has a portal login (at this shop or another):
its owner accepts it with that login's own password, which stays as it is. Only a new address
chooses a password (links.set_password_page); the link alone never opens anyone's accounts."""

from __future__ import annotations

from flask import flash, g, redirect, request

from portal_app.blueprints.auth.forms import JoinLoginForm
from portal_app.extensions import db
from portal_app.models import PortalUser, Token
from portal_app.services import accounts
from portal_app.web.headers import no_referrer
from portal_app.web.rendering import render

WRONG_PASSWORD = ("That is not the password of this login. Enter the password you log in "
                  "with, or use “Forgot password?” to choose a new one.")


def join_login_page(token: Token, login: PortalUser, welcome, problem):
    """The page of a live invitation whose address has a login: the password of that login
    accepts it (a wrong one is a message next to the field, counted like a failed login).
    welcome(token, login) logs the person in and says where they go; problem(kind) is the page
    of a link that can no longer be used."""
    contact = token.contact
    g.shop = contact.shop
    form = JoinLoginForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            joined = accounts.accept_with_login(token, form.password.data)
        except accounts.WrongPassword:
            g.password_refused = True
            form.password.errors = [WRONG_PASSWORD]
        else:
            if joined is None:
                db.session.rollback()
                return problem("used")
            target, message = welcome(token, joined)
            db.session.commit()
            flash(message, "success")
            return redirect(target, 303)
    return no_referrer(render("auth/join_login.html", form=form, contact=contact,
                              email=login.email,
                              status=422 if request.method == "POST" else 200))
