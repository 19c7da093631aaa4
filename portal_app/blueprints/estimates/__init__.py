"""Estimates: the customer's /estimates and the console's /staff/estimates, written once for
both audiences (views.py); what only staff do, writing, sending, changing and converting an
estimate, is in editing.py."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("estimates", __name__)
bp.before_request(require_portal_login)
console = Blueprint("estimates", __name__)  # nested under the staff console (/staff)

from portal_app.blueprints.estimates import editing, views  # noqa: E402,F401
