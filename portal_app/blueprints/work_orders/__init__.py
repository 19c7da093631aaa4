"""Work orders: the customer's /work-orders and the console's /staff/work-orders, written once
for both audiences (views.py); what only staff do, the status, editing the work and asking for
approval of additional work, is in editing.py."""

from flask import Blueprint

from portal_app.auth.guards import require_portal_login

bp = Blueprint("work_orders", __name__)
bp.before_request(require_portal_login)
console = Blueprint("work_orders", __name__)  # nested under the staff console (/staff)

from portal_app.blueprints.work_orders import editing, views  # noqa: E402,F401
