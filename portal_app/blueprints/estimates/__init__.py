"""Estimates and work orders in the portal (/estimates, /work-orders). Their pages are written
once for both audiences (portal_app.audience): the same modules register the console's pages on
the staff blueprint."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("estimates", __name__)
bp.before_request(require_portal_login)
work_orders_bp = Blueprint("work_orders", __name__)
work_orders_bp.before_request(require_portal_login)

from portal_app.blueprints.estimates import (  # noqa: E402,F401
    console,
    estimate_pages,
    work_order_console,
    work_order_pages,
)
