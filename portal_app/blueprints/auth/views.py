"""Portal sign-in views."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from portal_app.auth.login import (
    end_session,
    is_portal_user,
    safe_next,
    start_session,
    unauthorized,
)
from portal_app.blueprints.auth import bp
from portal_app.blueprints.auth.forms import (
    AccountForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from portal_app.extensions import db, limiter, submitted_email, submitted_email_and_ip
from portal_app.web.headers import no_referrer
from portal_app.models import Shop, Token
from portal_app.web.rendering import render
from portal_app.services import accounts, tokens
from portal_app.services.health import record_lockout
from portal_app.services.passwords import password_problem


def _failed(response) -> bool:
    return response.status_code != 303


def _login_limit() -> str:
    """Failed logins for one account from one IP (OWASP ASVS 6.3: slow the attacker)."""
    return current_app.config.get("LOGIN_RATE_LIMIT", "5 per minute; 20 per hour")


def _login_account_limit() -> str:
    """Failed logins for one account from anywhere: much higher, so that guesses from many
    addresses are slowed without locking out the owner who knows the password."""
    return current_app.config.get("LOGIN_ACCOUNT_RATE_LIMIT", "30 per hour; 100 per day")


def _login_ip_limit() -> str:
    return current_app.config.get("LOGIN_IP_RATE_LIMIT", "30 per minute; 200 per hour")


def _note_lockout(limit) -> None:
    """A login limit for an account was reached: the health page lists who is locked out."""
    kind = "staff" if request.blueprint == "staff" else "portal"
    until = datetime.fromtimestamp(limit.reset_at, timezone.utc)
    record_lockout(kind, request.form.get("email", ""), until)


def _reset_limit() -> str:
    return current_app.config.get("RESET_RATE_LIMIT", "3 per 15 minutes; 10 per day")


def _reset_ip_limit() -> str:
    return current_app.config.get("RESET_IP_RATE_LIMIT", "10 per 15 minutes; 50 per day")


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
@limiter.limit(_login_ip_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, key_func=submitted_email_and_ip, methods=["POST"],
               deduct_when=_failed, on_breach=_note_lockout)
@limiter.limit(_login_account_limit, key_func=submitted_email, methods=["POST"],
               deduct_when=_failed, on_breach=_note_lockout)
def login():
    """Log a customer contact in with email and password."""
    home = url_for("dashboard.index")
    if is_portal_user():
        return redirect(_after_login_target(home))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate_portal(form.email.data, form.password.data)
        if user is not None:
            contacts = accounts.accessible_contacts(user)
            db.session.commit()
            start_session(user, contact_id=contacts[0].id)
            target = _after_login_target(home)
            if len(contacts) > 1:
                return redirect(url_for("auth.accounts", next=target), 303)
            return redirect(target, 303)
        form.form_errors.append(
            "That email and password don't match an account. Check both, or use "
            "“Forgot password?” to set a new password."
        )
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", form=form, status=status)


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
@limiter.limit(_reset_ip_limit, methods=["POST"])
@limiter.limit(_reset_limit, key_func=submitted_email, methods=["POST"])
def forgot_password():
    """Send a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render("auth/forgot_sent.html", email=accounts.normalize_email(form.email.data))
    status = 422 if request.method == "POST" else 200
    return render("auth/forgot.html", form=form, status=status)


def _token_problem_page(kind: str, problem: str):
    status = 404 if problem == "unknown" else 410
    return no_referrer(render("auth/link_problem.html", kind=kind, problem=problem, status=status))


def _set_password_form_problem(form: SetPasswordForm, email: str, name: str) -> bool:
    if not form.validate_on_submit():
        return True
    problem = password_problem(form.new_password.data, email=email, name=name)
    if problem:
        form.new_password.errors = [problem]
        return True
    return False


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Let an invited contact choose a password; the link works once."""
    check = tokens.check_token(Token.INVITATION, token)
    if not check.ok:
        return _token_problem_page("invitation", check.problem)
    contact = check.token.contact
    g.shop = contact.shop
    form = SetPasswordForm()
    if request.method == "POST" and not _set_password_form_problem(form, contact.email,
                                                                   contact.name):
        user = accounts.accept_invitation(check.token, form.new_password.data)
        if user is None:
            db.session.rollback()
            return _token_problem_page("invitation", "used")
        db.session.commit()
        start_session(user, contact_id=contact.id)
        flash(f"Welcome, {contact.name}. Your password is set.", "success")
        return redirect(url_for("dashboard.index"), 303)
    status = 422 if request.method == "POST" else 200
    return no_referrer(render("auth/set_password.html", form=form,
                              heading=f"Welcome to {contact.shop.name}",
                              intro=f"Choose a password for {contact.email} to finish "
                                    "setting up your portal access.",
                              status=status))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from a reset link; other sessions end."""
    check = tokens.check_token(Token.PASSWORD_RESET, token)
    if not check.ok:
        return _token_problem_page("reset", check.problem)
    user = check.token.portal_user
    form = SetPasswordForm()
    if request.method == "POST" and not _set_password_form_problem(form, user.email, ""):
        changed = accounts.reset_password(check.token, form.new_password.data)
        if changed is None:
            db.session.rollback()
            return _token_problem_page("reset", "used")
        db.session.commit()
        contacts = accounts.accessible_contacts(changed)
        if contacts:
            start_session(changed, contact_id=contacts[0].id)
            flash("Your password was changed.", "success")
            return redirect(url_for("dashboard.index"), 303)
        flash("Your password was changed. You can log in now.", "success")
        return redirect(url_for("auth.login"), 303)
    status = 422 if request.method == "POST" else 200
    return no_referrer(render("auth/set_password.html", form=form,
                              heading="Choose a new password",
                              intro=f"For {user.email}. This link works once, for an hour.",
                              status=status))


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

