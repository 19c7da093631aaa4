"""The portal's home page for a logged-in customer contact."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("dashboard", __name__)
bp.before_request(require_portal_login)

from portal_app.blueprints.dashboard import views  # noqa: E402,F401
