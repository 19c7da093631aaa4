"""Extension objects, created unbound here and bound to the app in create_app()."""

from __future__ import annotations

from flask import current_app, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_static_digest import FlaskStaticDigest
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from portal_app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
htmx = Htmx()
compress = Compress()
static_digest = FlaskStaticDigest()
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _reads_are_never_limited() -> bool:
    """Every limit of the portal guards a POST (logins, resets, invitations, payments,
    comments): GETs skip Flask-Limiter's bookkeeping on every page view (tests/security/
    test_rate_limits.py checks that no limit is put on a GET)."""
    return request.method in ("GET", "HEAD", "OPTIONS")


def submitted_email() -> str:
    """Rate-limit key: the email address a form submitted, normalised."""
    return "email:" + (request.form.get("email") or "").strip().lower()


def submitted_email_and_ip() -> str:
    """Rate-limit key: the address a form submitted, from this client's IP. Failed logins are
    counted per account and IP first, so an attacker elsewhere cannot lock the owner out."""
    return f"{submitted_email()}|ip:{get_remote_address()}"


def signed_in_person() -> str:
    """Rate-limit key: the logged-in person (a portal login or a staff member), whatever the IP."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return "anonymous:" + get_remote_address()
    return f"{current_user.kind}:{current_user.id}"


def _comment_limit() -> str:
    return current_app.config.get("COMMENT_RATE_LIMIT", "6 per minute; 60 per hour")


# One budget per person for every comment and reply they post, on any document: each one
# emails the other side, so nobody can flood an inbox.
comment_limit = limiter.shared_limit(_comment_limit, scope="comments", key_func=signed_in_person,
                                     deduct_when=lambda response: response.status_code < 400)
