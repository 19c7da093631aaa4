"""GET /healthz: no login, no session, not rate limited; 200 "ok" when the database answers a
trivial query, 503 when it does not."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal_app.blueprints.probes import bp
from portal_app.extensions import db, limiter

PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Answer the host's health check: is this process up, and does the database answer?"""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.error("health check: database unavailable (%s)", type(error).__name__)
        return "database unavailable", 503, PLAIN
    return "ok", 200, PLAIN


class AnyHost:
    """WSGI middleware: health checks arrive with whatever Host the checker uses (an IP and
    port, a container name), which TRUSTED_HOSTS would answer with 400. /healthz is answered
    for any Host by giving it the portal's own; nothing in its answer depends on the Host."""

    def __init__(self, wsgi_app, host: str):
        self.wsgi_app, self.host = wsgi_app, host

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and self.host:
            environ = {**environ, "HTTP_HOST": self.host}
        return self.wsgi_app(environ, start_response)
