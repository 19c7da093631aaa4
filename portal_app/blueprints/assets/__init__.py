"""The customer's assets (units) and locations in the portal."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("assets", __name__)
bp.before_request(require_portal_login)

from portal_app.blueprints.assets import views  # noqa: E402,F401
