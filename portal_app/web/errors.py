"""Error pages: plain words, no stack traces; a database outage is a 503."""

from __future__ import annotations

from flask import Flask, Response, current_app, make_response, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from htmx_flask import make_response as htmx_response
from markupsafe import Markup
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from portal_app.auth.guards import PreviewIsReadOnly
from portal_app.auth.login import CONSOLE_BLUEPRINTS
from portal_app.extensions import db
from portal_app.web.rendering import wants_fragment

MESSAGES = {
    400: ("Something in that request wasn't right", "Please go back, reload the page and try again."),
    403: ("You don't have access to this", "Ask an administrator of your shop if you need it."),
    404: ("We couldn't find that page", "It may have moved, or the link may be incomplete."),
    405: ("That action isn't available here", "Please use the buttons on the page."),
    413: ("That upload is too large", "Please choose a smaller file and try again."),
    429: ("Too many attempts", "Please wait a minute and try again."),
    500: ("Something went wrong on our side", "Please try again in a moment."),
    503: ("The portal is briefly unavailable", "Please try again in a minute."),
}


def _page(code: int, detail: str | None = None, title: str | None = None) -> Response:
    """The error page, or for an htmx fragment a one-line alert swapped into #htmx-alerts.

    A 4xx page wears the layout of the side it was asked on (the console's, or the portal's with
    the preview banner and its End preview); a 5xx page is plain, as the layout may need the
    very database that failed."""
    default_title, hint = MESSAGES.get(code, MESSAGES[500])
    title, hint = title or default_title, detail or hint
    if request_ctx.url_adapter is None:
        # The Host header is not one of ours (TRUSTED_HOSTS): no URL can be built for it, and
        # none should be; plain words only.
        return make_response(f"{title}.\n", code, {"Content-Type": "text/plain; charset=utf-8"})
    if wants_fragment():
        body = str(Markup('<p class="flash flash-error">{}. {}</p>').format(title, hint))
        return htmx_response(body, code, retarget="#htmx-alerts", reswap="innerHTML")
    layout = "base.html"
    if code < 500:
        console = request.blueprints and request.blueprints[-1] in CONSOLE_BLUEPRINTS
        layout = "layouts/staff.html" if console else "layouts/portal.html"
    return make_response(render_template("errors/error.html", code=code, title=title,
                                         hint=hint, layout=layout), code)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(400, "Your form expired. Please reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = error.get_response()  # keeps what the error adds (Allow, Retry-After)
        if isinstance(error, PreviewIsReadOnly):
            page = _page(error.code, error.description, error.title)
        elif error.code == 413:  # what fits, where the view says it
            view = current_app.view_functions.get(request.endpoint or "")
            page = _page(413, getattr(view, "too_large", None))
        else:
            page = _page(error.code or 500)
        response.set_data(page.get_data())
        response.headers.update(page.headers)
        return response

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        db.session.rollback()
        app.logger.error("database unavailable: %s", type(error).__name__)
        return _page(503)

    @app.errorhandler(Exception)
    def unexpected(error):
        db.session.rollback()
        app.logger.exception("unexpected error")
        return _page(500)
