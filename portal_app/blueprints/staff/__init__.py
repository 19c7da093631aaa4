"""The shop console under /staff: customers, contacts, locations, invitations, email log."""

from flask import Blueprint, request

from portal_app.auth.guards import require_staff_login

bp = Blueprint("staff", __name__, url_prefix="/staff")

PUBLIC_ENDPOINTS = {"staff.login"}


@bp.before_request
def staff_only():
    """Every console page needs a logged-in staff member, but the login page itself."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return require_staff_login()


from portal_app.blueprints.staff import (  # noqa: E402,F401
    customers,
    invoices,
    requests,
    settings,
    views,
)
