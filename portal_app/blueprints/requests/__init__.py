"""Service requests in the portal: the request form with its server-side draft, the list, and
each request's page with its comment thread."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("requests", __name__)
bp.before_request(require_portal_login)

from portal_app.blueprints.requests import views  # noqa: E402,F401
