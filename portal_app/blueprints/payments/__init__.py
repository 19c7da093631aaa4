"""Payments: online payment (start Stripe Checkout, the return and cancel pages, Stripe's
webhook) and, for both audiences, the payment history and each payment's receipt
(receipts.py; the console's on `console`, nested under /staff)."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login
from portal_app.extensions import csrf

bp = Blueprint("payments", __name__)
webhooks = Blueprint("webhooks", __name__, url_prefix="/webhooks")
bp.before_request(require_portal_login)
console = Blueprint("payments", __name__)  # nested under the staff console (/staff)
csrf.exempt(webhooks)  # Stripe signs its requests; the signature is checked instead

from portal_app.blueprints.payments import receipts, views, webhook  # noqa: E402,F401
