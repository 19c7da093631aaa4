"""CSV import (Administrators): /staff/import, nested in the admin blueprint, whose guard lets
only Administrators in (Staff get 403).

Its POSTs carry a file of up to 5 MB where the app allows 1 MB: the request limit is raised for
these routes before anything reads the body, and CSRF is checked here, after that (the
blueprint is exempt from the app-wide check, which would read the body under the 1 MB limit).
A body over the limit is refused from its Content-Length, unread, with the message next to
the file field."""

from flask import Blueprint, request

from portal_app.extensions import csrf
from portal_app.services.imports import MAX_BYTES

bp = Blueprint("imports", __name__, url_prefix="/import")
csrf.exempt(bp)

REQUEST_LIMIT = MAX_BYTES + 64 * 1024  # the file and the form around it


@bp.before_request
def limit_then_check_csrf():
    """Allow a file of MAX_BYTES; check the CSRF token of every POST."""
    request.max_content_length = REQUEST_LIMIT
    csrf.protect()


from portal_app.blueprints.imports import views  # noqa: E402,F401
