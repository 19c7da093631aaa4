"""CSV import (Administrators): /staff/import, nested in the admin blueprint, whose guard lets
only Administrators in (Staff get 403).

The upload carries a file of up to 5 MB where the app allows 1 MB: its view says so with
`accepts_upload`, which sets the limit before anything reads the body (the CSRF check
included). A body over the limit is refused from its Content-Length, unread, with the message
next to the file field."""

from flask import Blueprint

from portal_app.services.imports import MAX_BYTES

bp = Blueprint("imports", __name__, url_prefix="/import")

REQUEST_LIMIT = MAX_BYTES + 64 * 1024  # the file and the form around it


from portal_app.blueprints.imports import views  # noqa: E402,F401
