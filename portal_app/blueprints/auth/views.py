"""Portal sign-in views: login, logout, forgotten passwords, the invitation and reset links,
and the account switcher. Forgot password? and the reset link are written once for both
audiences: the console's (/staff/forgot-password, /staff/reset/<token>) are the same views and
templates for staff logins."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from portal_app.auth.limits import invitation_password_limits, login_limits, reset_limits
from portal_app.auth.login import (
    end_session,
    is_portal_user,
    login_shop,
    safe_next,
    start_session,
    unauthorized,
)
from portal_app.blueprints.auth import bp, console
from portal_app.blueprints.auth.forms import AccountForm, ForgotPasswordForm, LoginForm
from portal_app.blueprints.auth.invitations import join_login_page
from portal_app.blueprints.auth.links import link_problem, login_page, set_password_page
from portal_app.extensions import db
from portal_app.models import Shop, StaffUser, Token
from portal_app.services import accounts, login_sessions, staff_users, tokens
from portal_app.web.audience import Pages
from portal_app.web.rendering import render

routes = Pages(portal=bp, console=console)


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
        start_session(user, contact_id=contacts[0].id, shop=contacts[0].shop)
        db.session.commit()  # the last login and this browser's session row
        target = _after_login_target(home)
        return url_for("auth.accounts", next=target) if len(contacts) > 1 else target

    return login_page(LoginForm(), signed_in, "auth/login.html",
                      "That email and password don't match an account. Check both, or use "
                      "“Forgot password?” to set a new password.")


@bp.route("/logout", methods=["POST"])
def logout():
    """End this browser's session on the server and in the browser (the person's other
    sessions carry on: the account page ends them); back to the login page of the shop it was
    logged in to (known before the session is cleared)."""
    shop = g.shop.slug if is_portal_user() else login_shop()
    if is_portal_user():  # this browser's session ends (a copied cookie with it)
        login_sessions.end(current_user.id, current_user.session_id)
        db.session.commit()
    elif current_user.is_authenticated:
        accounts.logout_everywhere(current_user)
        db.session.commit()
    end_session()
    if shop:  # Back, or a reload of a page left open in another tab, finds the shop's login
        session["shop"] = shop
    flash("You're logged out.", "info")
    return redirect(url_for("auth.login", shop=shop), 303)


@routes.route("/forgot-password", methods=("GET", "POST"))
@reset_limits
def forgot_password(audience):
    """Send a reset link (a customer's login in the portal, a staff member's in the console);
    the answer is the same whether or not the address has one."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if audience.name == "console":
            staff_users.request_password_reset(form.email.data)
        else:
            accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render("auth/forgot_sent.html", audience=audience,
                      email=accounts.normalize_email(form.email.data))
    status = 422 if request.method == "POST" else 200
    return render("auth/forgot.html", form=form, audience=audience, status=status)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@invitation_password_limits
def accept_invitation(token: str):
    """Let an invited contact choose a password; an address that already has a login (at any
    shop) accepts with that login's own password instead, which stays as it is. The link
    works once."""
    def welcome(found: Token, user):
        start_session(user, contact_id=found.contact.id, shop=found.contact.shop)
        return url_for("dashboard.index"), f"Welcome, {found.contact.name}. Your password is set."

    def joined(found: Token, user):
        start_session(user, contact_id=found.contact.id, shop=found.contact.shop)
        return url_for("dashboard.index"), (f"Welcome, {found.contact.name}. "
                                            f"{found.contact.customer.name} is now part of "
                                            "your portal login.")

    check = tokens.check_token(Token.INVITATION, token)
    login = accounts.existing_login(check.token.email) if check.ok else None
    if login is not None and check.token.contact is not None:
        return join_login_page(check.token, login, joined,
                               lambda problem: link_problem("invitation", problem))

    def invited(found: Token):
        contact = found.contact
        if contact is None:  # removed since it was invited
            return None
        return (contact, f"Welcome to {contact.shop.name}", f"Choose a password for "
                f"{contact.email} to finish setting up your portal access.")

    return set_password_page(Token.INVITATION, token, link="invitation", person=invited,
                             accept=accounts.accept_invitation, welcome=welcome)


@routes.route("/reset/<token>", methods=("GET", "POST"))
def reset_password(audience, token: str):
    """Set a new password from a reset link; every other session of the login ends. A link
    sent to a customer's login opens only in the portal, a staff member's only in the
    console."""
    if audience.name == "console":
        return set_password_page(
            Token.PASSWORD_RESET, token, link="reset", audience=audience,
            belongs=lambda found: found.staff_user_id is not None,
            person=_staff_member, accept=staff_users.reset_password, welcome=_staff_welcome)

    def welcome(found: Token, user):
        contacts = accounts.accessible_contacts(user)
        if not contacts:
            return audience.sign_in_url(), "Your password was changed. You can log in now."
        start_session(user, contact_id=contacts[0].id, shop=contacts[0].shop)
        return url_for("dashboard.index"), "Your password was changed."

    return set_password_page(
        Token.PASSWORD_RESET, token, link="reset", accept=accounts.reset_password,
        welcome=welcome, belongs=lambda found: found.portal_user_id is not None,
        person=lambda found: (
            found.portal_user, "Choose a new password",
            f"For {found.portal_user.email}. This link works once, for an hour."))


def _staff_member(found: Token):
    member = db.session.get(StaffUser, found.staff_user_id)
    if member is None or not member.active:
        return None
    return (member, "Choose a new password",
            f"For {member.email}. This link works once, for an hour.")


def _staff_welcome(found: Token, member: StaffUser):
    start_session(member)
    return url_for("staff.dashboard"), "Your password was changed."


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
        session["shop"] = chosen.shop.slug  # the login page this session ends on
        target = safe_next(request.args.get("next"), url_for("dashboard.index"),
                           forbidden_prefixes=("/staff",))
        return redirect(target, 303)
    return render("auth/accounts.html", contacts=g.portal_contacts)
