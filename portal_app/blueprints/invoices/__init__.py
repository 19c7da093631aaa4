"""Invoices: the customer's /invoices and the console's /staff/invoices, written once for both
audiences (views.py); drafts, issuing, voiding and "Mark as paid" are the console's
(editing.py)."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("invoices", __name__)
bp.before_request(require_portal_login)
console = Blueprint("invoices", __name__)  # nested under the staff console (/staff)

from portal_app.blueprints.invoices import editing, views  # noqa: E402,F401
