"""Online payment: start Stripe Checkout, the return and cancel pages, and Stripe's webhook."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login
from portal_app.extensions import csrf

bp = Blueprint("payments", __name__)
webhooks = Blueprint("webhooks", __name__, url_prefix="/webhooks")
bp.before_request(require_portal_login)
csrf.exempt(webhooks)  # Stripe signs its requests; the signature is checked instead

from portal_app.blueprints.payments import views, webhook  # noqa: E402,F401
