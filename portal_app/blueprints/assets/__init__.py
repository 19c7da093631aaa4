"""Assets (units) and locations: the customer's /assets and, in the console, any customer's
units under /staff, written once for both audiences."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("assets", __name__)
bp.before_request(require_portal_login)
console = Blueprint("assets", __name__)  # nested under the staff console (/staff)

from portal_app.blueprints.assets import views  # noqa: E402,F401
