"""Deliver the emails a request queued, after its response has gone out."""

from __future__ import annotations

from flask import Flask, current_app, g

from portal_app import outbox


def init_app(app: Flask) -> None:
    @app.after_request
    def deliver_after_response(response):
        ids = g.pop("outbox_ids", None)
        if ids and app.config["OUTBOX_SEND_AFTER_REQUEST"] and outbox.mail_configured():
            real_app = current_app._get_current_object()

            def send() -> None:
                # Runs once the response is closed: a slow or dead SMTP server never delays
                # or fails the request; anything unsent stays queued for `flask outbox run`.
                with real_app.app_context():
                    try:
                        outbox.deliver(ids)
                    except Exception:  # noqa: BLE001 - the worker retries; log and move on
                        real_app.logger.exception("delivery after request failed")

            response.call_on_close(send)
        return response
