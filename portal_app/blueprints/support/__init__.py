"""Public pages every visitor may open: customer help (/help) and the shop's logo."""

from flask import Blueprint

bp = Blueprint("support", __name__)

from portal_app.blueprints.support import views  # noqa: E402,F401
