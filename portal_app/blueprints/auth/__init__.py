"""Portal sign-in: login, logout, forgotten passwords, invitations and the account switcher."""

from flask import Blueprint

from portal_app.auth.guards import refuse_writes_in_preview

bp = Blueprint("auth", __name__)
bp.before_request(refuse_writes_in_preview)
# The console's Forgot password? and reset link (/staff/forgot-password, /staff/reset/<token>):
# the portal's views and templates with the console's audience, nested under /staff.
console = Blueprint("auth", __name__)

from portal_app.blueprints.auth import views  # noqa: E402,F401
