"""Portal sign-in: login, logout, forgotten passwords, invitations and the account switcher."""

from flask import Blueprint

from portal_app.auth.guards import refuse_writes_in_preview

bp = Blueprint("auth", __name__)
bp.before_request(refuse_writes_in_preview)

from portal_app.blueprints.auth import views  # noqa: E402,F401
