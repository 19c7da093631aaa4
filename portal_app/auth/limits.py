"""Rate limits (Flask-Limiter, used through its public decorators): failed logins per account
and IP, per account and per IP (and the same for the other forms that ask for a login's own
password); password resets; comments and replies per person."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import select

from portal_app.auth.login import CONSOLE_BLUEPRINTS
from portal_app.extensions import db, limiter
from portal_app.models import Token
from portal_app.services.tokens import token_hash


def submitted_email() -> str:
    """Rate-limit key: the email address a form submitted, normalised."""
    return "email:" + (request.form.get("email") or "").strip().lower()


def submitted_email_and_ip() -> str:
    """Rate-limit key: the address a form submitted, from this client's IP. Failed logins are
    counted per account and IP first, so an attacker elsewhere cannot lock the owner out."""
    return f"{submitted_email()}|ip:{get_remote_address()}"


def signed_in_person() -> str:
    """Rate-limit key: the logged-in person (a portal login or a staff member), whatever the IP."""
    if not current_user.is_authenticated:
        return "anonymous:" + get_remote_address()
    return f"{current_user.kind}:{current_user.id}"


def _setting(name: str, default: str):
    return lambda: current_app.config.get(name, default)


def _failed(response) -> bool:
    return response.status_code != 303


def _note_lockout(limit) -> None:
    """A login limit for an account was reached: the health page lists who is locked out."""
    from portal_app.services.health import record_lockout

    console = request.blueprints and request.blueprints[-1] in CONSOLE_BLUEPRINTS
    until = datetime.fromtimestamp(limit.reset_at, timezone.utc)
    record_lockout("staff" if console else "portal", request.form.get("email", ""), until)


def login_limits(view):
    """The limits of a login form's failed posts (OWASP ASVS 6.3: slow the attacker): per IP;
    per account and IP (the owner, logging in from their own address, is not locked out by an
    attacker elsewhere); per account from anywhere (much higher, so guesses spread over many
    addresses are slowed too)."""
    view = limiter.limit(_setting("LOGIN_ACCOUNT_RATE_LIMIT", "30 per hour; 100 per day"),
                         key_func=submitted_email, methods=["POST"], deduct_when=_failed,
                         on_breach=_note_lockout)(view)
    view = limiter.limit(_setting("LOGIN_RATE_LIMIT", "5 per minute; 20 per hour"),
                         key_func=submitted_email_and_ip, methods=["POST"],
                         deduct_when=_failed, on_breach=_note_lockout)(view)
    return limiter.limit(_setting("LOGIN_IP_RATE_LIMIT", "30 per minute; 200 per hour"),
                         methods=["POST"], deduct_when=_failed)(view)


def reset_limits(view):
    """The limits of asking for a password reset: per address and per IP."""
    view = limiter.limit(_setting("RESET_RATE_LIMIT", "3 per 15 minutes; 10 per day"),
                         key_func=submitted_email, methods=["POST"])(view)
    return limiter.limit(_setting("RESET_IP_RATE_LIMIT", "10 per 15 minutes; 50 per day"),
                         methods=["POST"])(view)


# One budget per person for every comment and reply they post, on any document: each one
# emails the other side, so nobody can flood an inbox.
comment_limit = limiter.shared_limit(
    _setting("COMMENT_RATE_LIMIT", "6 per minute; 60 per hour"), scope="comments",
    key_func=signed_in_person, deduct_when=lambda response: response.status_code < 400)


def invited_address() -> str:
    """Rate-limit key: the address the invitation link in the URL was sent to (a password
    typed to accept it is the address's own login's: guesses count against that address)."""
    raw = str((request.view_args or {}).get("token", ""))[:200]
    email = db.session.scalar(select(Token.email).where(Token.token_hash == token_hash(raw)))
    return "email:" + (email or "unknown")


def invited_address_and_ip() -> str:
    return f"{invited_address()}|ip:{get_remote_address()}"


def _password_refused(response) -> bool:
    return bool(g.get("password_refused"))


def _password_limits(person, person_and_ip):
    """Limits of a form that asks for a login's own password besides the login page: only a
    wrong password counts (the view that refused one sets g.password_refused), per person and
    IP, per person from anywhere, and per IP, with the login page's settings."""
    def limit(view):
        view = limiter.limit(_setting("LOGIN_ACCOUNT_RATE_LIMIT", "30 per hour; 100 per day"),
                             key_func=person, methods=["POST"],
                             deduct_when=_password_refused)(view)
        view = limiter.limit(_setting("LOGIN_RATE_LIMIT", "5 per minute; 20 per hour"),
                             key_func=person_and_ip, methods=["POST"],
                             deduct_when=_password_refused)(view)
        return limiter.limit(_setting("LOGIN_IP_RATE_LIMIT", "30 per minute; 200 per hour"),
                             methods=["POST"], deduct_when=_password_refused)(view)
    return limit


# Accepting an invitation to an address that has a login, with that login's password.
invitation_password_limits = _password_limits(
    invited_address, invited_address_and_ip)
# Change password on the account page: the current password.
current_password_limits = _password_limits(
    signed_in_person, lambda: f"{signed_in_person()}|ip:{get_remote_address()}")
