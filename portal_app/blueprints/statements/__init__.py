"""Statements of account: the customer's /statement and the console's
/staff/customers/<id>/statement, written once for both audiences (views.py), with its PDF and
CSV; staff can email it to the customer's billing contacts."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("statements", __name__)
bp.before_request(require_portal_login)
console = Blueprint("statements", __name__)  # nested under the staff console (/staff)

from portal_app.blueprints.statements import views  # noqa: E402,F401
