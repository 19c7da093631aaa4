"""Running the portal (Administrators): settings, staff and roles, the audit log, Preview as
customer, and the health page (which every staff member may read). Under /staff, beside the
console."""

from flask import Blueprint, abort, request
from flask_login import current_user

from portal_app.auth.guards import require_staff_login

bp = Blueprint("admin", __name__, url_prefix="/staff")

PUBLIC_ENDPOINTS = {"admin.accept_staff_invitation"}
STAFF_ENDPOINTS = {"admin.health", "admin.end_preview"}  # any staff member, not only admins


@bp.before_request
def administrators_only():
    """Log in first; then Staff get 403 on every admin page and action."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    refused = require_staff_login()
    if refused is not None:
        return refused
    if request.endpoint not in STAFF_ENDPOINTS and not current_user.is_admin:
        abort(403)
    return None


from portal_app.blueprints import imports  # noqa: E402
from portal_app.blueprints.admin import health, preview, settings, users  # noqa: E402,F401

bp.register_blueprint(imports.bp)  # CSV import, /staff/import: Administrators only
