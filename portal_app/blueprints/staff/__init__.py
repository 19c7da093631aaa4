"""The shop console under /staff: signing in, the dashboard, customers with their contacts and
locations, the email log and payment settings. Each document feature (and the inbox) brings
its console pages as a blueprint of its own, nested here (so /staff/invoices is
`staff.invoices.index`): the console's guard runs in front of all of them."""

from flask import Blueprint, request

from portal_app.auth.guards import require_staff_login
from portal_app.blueprints import (assets, auth, estimates, inbox, invoices, payments, requests,
                                   statements, work_orders)

bp = Blueprint("staff", __name__, url_prefix="/staff")

PUBLIC_ENDPOINTS = {"staff.login", "staff.auth.forgot_password", "staff.auth.reset_password"}


@bp.before_request
def staff_only():
    """Every console page needs a logged-in staff member, but the login page itself and the
    way back in (Forgot password? and its reset link)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return require_staff_login()


for feature in (assets, auth, estimates, inbox, invoices, payments, requests, statements,
                work_orders):
    bp.register_blueprint(feature.console)

from portal_app.blueprints.staff import customers, settings, views  # noqa: E402,F401
