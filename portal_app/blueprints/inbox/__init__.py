"""The staff inbox (/staff/inbox): what customers did that staff should answer or know, open
until someone marks it handled or replies on its document. Console only: nested under the
staff console like the document features' console blueprints."""

from flask import Blueprint

console = Blueprint("inbox", __name__)  # nested under the staff console (/staff)

from portal_app.blueprints.inbox import views  # noqa: E402,F401
