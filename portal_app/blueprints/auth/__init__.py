"""Portal sign-in: login, logout, forgotten passwords, invitations and the account switcher."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal_app.blueprints.auth import views  # noqa: E402,F401
