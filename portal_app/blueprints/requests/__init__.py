"""Service requests: the customer's /requests and the console's inbox /staff/requests, written
once for both audiences (views.py); the customer's request form with its server-side draft
(draft.py); scheduling, converting and closing, the console's (actions.py)."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("requests", __name__)
bp.before_request(require_portal_login)
console = Blueprint("requests", __name__)  # nested under the staff console (/staff)

from portal_app.blueprints.requests import actions, draft, views  # noqa: E402,F401
