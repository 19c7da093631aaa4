"""The customer's account page (/account): name and email, Change password, the person's
sessions (end one, Log out other sessions) and which emails they want."""

from flask import Blueprint, abort

from portal_app.auth.guards import previewing, require_portal_login

bp = Blueprint("account", __name__)
bp.before_request(require_portal_login)


@bp.before_request
def no_account_in_preview():
    """An Administrator previewing a customer sees nobody's account: it is a person's, not the
    customer's (a POST there is refused as every preview POST is, before this)."""
    if previewing():
        abort(404)


from portal_app.blueprints.account import views  # noqa: E402,F401
