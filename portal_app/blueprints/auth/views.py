"""Portal sign-in views: login, logout, forgotten passwords, the invitation and reset links,
and the account switcher."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from portal_app.auth.limits import login_limits, reset_limits
from portal_app.auth.login import (
    end_session,
    is_portal_user,
    safe_next,
    start_session,
    unauthorized,
)
from portal_app.blueprints.auth import bp
from portal_app.blueprints.auth.forms import AccountForm, ForgotPasswordForm, LoginForm
from portal_app.blueprints.auth.links import login_page, set_password_page
from portal_app.extensions import db
from portal_app.models import Shop, Token
from portal_app.services import accounts
from portal_app.web.rendering import render


@bp.before_app_request
def brand_anonymous_pages():
    """Carry a shop's branding on the sign-in pages when the link names it (?shop=slug)."""
    slug = request.args.get("shop")
    if slug and request.blueprint == "auth" and "shop" not in g and len(slug) <= 60:
        shop = db.session.scalar(select(Shop).where(Shop.slug == slug))
        if shop is not None:
            g.shop = shop


def _after_login_target(default: str) -> str:
    return safe_next(request.args.get("next"), default, forbidden_prefixes=("/staff",))


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    """Log a customer contact in with email and password."""
    home = url_for("dashboard.index")
    if is_portal_user():
        return redirect(_after_login_target(home))

    def signed_in(email: str, password: str) -> str | None:
        user = accounts.authenticate_portal(email, password)
        if user is None:
            return None
        contacts = accounts.accessible_contacts(user)
        db.session.commit()
        start_session(user, contact_id=contacts[0].id)
        target = _after_login_target(home)
        return url_for("auth.accounts", next=target) if len(contacts) > 1 else target

    return login_page(LoginForm(), signed_in, "auth/login.html",
                      "That email and password don't match an account. Check both, or use "
                      "“Forgot password?” to set a new password.")


@bp.route("/logout", methods=["POST"])
def logout():
    """End this login's sessions on the server and in this browser."""
    if current_user.is_authenticated:
        accounts.logout_everywhere(current_user)
        db.session.commit()
    end_session()
    flash("You're logged out.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/forgot-password", methods=["GET", "POST"])
@reset_limits
def forgot_password():
    """Send a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render("auth/forgot_sent.html", email=accounts.normalize_email(form.email.data))
    status = 422 if request.method == "POST" else 200
    return render("auth/forgot.html", form=form, status=status)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Let an invited contact choose a password; the link works once."""
    def welcome(found: Token, user):
        start_session(user, contact_id=found.contact.id)
        return url_for("dashboard.index"), f"Welcome, {found.contact.name}. Your password is set."

    def invited(found: Token):
        contact = found.contact
        if contact is None:  # removed since it was invited
            return None
        return (contact, f"Welcome to {contact.shop.name}", f"Choose a password for "
                f"{contact.email} to finish setting up your portal access.")

    return set_password_page(Token.INVITATION, token, link="invitation", person=invited,
                             accept=accounts.accept_invitation, welcome=welcome)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from a reset link; other sessions end."""
    def welcome(found: Token, user):
        contacts = accounts.accessible_contacts(user)
        if not contacts:
            return url_for("auth.login"), "Your password was changed. You can log in now."
        start_session(user, contact_id=contacts[0].id)
        return url_for("dashboard.index"), "Your password was changed."

    return set_password_page(
        Token.PASSWORD_RESET, token, link="reset", accept=accounts.reset_password,
        welcome=welcome, person=lambda found: (
            found.portal_user, "Choose a new password",
            f"For {found.portal_user.email}. This link works once, for an hour."))


@bp.route("/accounts", methods=["GET", "POST"], endpoint="accounts")
def accounts_view():
    """Pick which customer account to act for, when one person is a contact of several."""
    if not is_portal_user():
        return unauthorized()
    form = AccountForm()
    if form.validate_on_submit():
        chosen = next((c for c in g.portal_contacts if c.id == form.contact_id.data), None)
        if chosen is None:
            abort(404)
        session["contact_id"] = chosen.id
        target = safe_next(request.args.get("next"), url_for("dashboard.index"),
                           forbidden_prefixes=("/staff",))
        return redirect(target, 303)
    return render("auth/accounts.html", contacts=g.portal_contacts)
