"""Error pages: plain words, no stack traces; a database outage is a 503."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.globals import request_ctx
from markupsafe import Markup
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from portal_app.auth.guards import PreviewIsReadOnly
from portal_app.extensions import db

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


def _page(code: int, detail: str | None = None):
    """Render the error page, or for htmx a one-line alert swapped into #htmx-alerts."""
    title, hint = MESSAGES.get(code, MESSAGES[500])
    hint = detail or hint
    if request_ctx.url_adapter is None:
        # The Host header is not one of ours (TRUSTED_HOSTS): no URL can be built for it, and
        # none should be; plain words only.
        return f"{title}.\n", code, {"Content-Type": "text/plain; charset=utf-8"}
    if request.headers.get("HX-Request") == "true":
        body = str(Markup('<p class="flash flash-error">{}. {}</p>').format(title, hint))
        return body, code, {"HX-Retarget": "#htmx-alerts", "HX-Reswap": "innerHTML"}
    return render_template("errors/error.html", code=code, title=title, hint=hint), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(400, "Your form expired. Please reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = error.get_response()
        detail = error.description if isinstance(error, PreviewIsReadOnly) else None
        body, code, *headers = _page(error.code or 500, detail)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        for extra in headers:
            response.headers.update(extra)
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
