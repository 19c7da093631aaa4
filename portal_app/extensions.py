"""Extension objects, created unbound here and bound to the app in create_app()."""

from __future__ import annotations

from flask import request
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
