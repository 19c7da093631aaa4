"""The customer's invoices: list, detail and printable view (portal)."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("invoices", __name__, url_prefix="/invoices")
bp.before_request(require_portal_login)

from portal_app.blueprints.invoices import views  # noqa: E402,F401
