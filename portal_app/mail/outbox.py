"""Deliver queued emails over SMTP: after the request that queued them, and from the CLI worker.

Each message is claimed (locked_until) in its own short transaction before it is sent, so the
web process and any number of `flask outbox run` workers never send the same message twice.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, g
from flask_mail import Message
from sqlalchemy import or_, select, update

from portal_app.extensions import db, mail
from portal_app.mail.attachments import invoice_pdf
from portal_app.mail.emails import portal_link
from portal_app.models import OutboundEmail, utcnow
from portal_app.web.pdf import PDF_TYPE

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
CLAIM_FOR = timedelta(minutes=5)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, will retry {self.retrying}, failed {self.failed}"


def mail_configured() -> bool:
    """Return True when an SMTP server is configured (the demo runs without one)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def bodies_visible_to(user) -> bool:
    """Whether the delivery log may show messages' text with their links: only in development
    without a mail server (the demo's way to follow an invitation), and only to Administrators.
    Elsewhere a one-time link is read by its recipient alone."""
    return (not mail_configured() and current_app.config.get("PORTAL_ENV") == "development"
            and bool(getattr(user, "is_admin", False)))


def retry_delay(attempts: int) -> timedelta:
    """Back off 1, 2, 4 ... minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(ids: list[int] | None, limit: int) -> list[int]:
    now = utcnow()
    stmt = select(OutboundEmail.id).where(
        OutboundEmail.status == OutboundEmail.QUEUED,
        OutboundEmail.next_attempt_at <= now,
        or_(OutboundEmail.locked_until.is_(None), OutboundEmail.locked_until < now),
    )
    if ids is not None:
        stmt = stmt.where(OutboundEmail.id.in_(ids))
    stmt = stmt.order_by(OutboundEmail.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    claimed = []
    for message_id in db.session.scalars(stmt).all():
        # The conditional UPDATE is the claim: on SQLite (no SKIP LOCKED) a racing worker's
        # update matches no row once the first one has set locked_until.
        result = db.session.execute(
            update(OutboundEmail)
            .where(
                OutboundEmail.id == message_id,
                or_(OutboundEmail.locked_until.is_(None), OutboundEmail.locked_until < now),
            )
            .values(locked_until=now + CLAIM_FOR)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return claimed


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return error.smtp_code >= 500
    return False


def describe_error(error: Exception) -> str:
    """Say in plain words why a message was not delivered (staff read this in the log)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"Refused by the recipient's mail server ({code} {text})"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"The mail server answered {error.smtp_code} {text}"
    if isinstance(error, (OSError, smtplib.SMTPServerDisconnected)):
        return f"Could not reach the mail server ({type(error).__name__}: {error}); will retry"
    return f"{type(error).__name__}: {error}"


def _send_one(message_id: int, report: DeliveryReport) -> None:
    message = db.session.get(OutboundEmail, message_id)
    if message is None or message.status != OutboundEmail.QUEUED:
        return
    try:
        attached = invoice_pdf(message)  # rendered now: the row keeps no bytes
        unattached = None
    except Exception as error:  # noqa: BLE001 - the email is worth more than its PDF
        attached, unattached = None, f"Sent without its PDF ({type(error).__name__}: {error})"
        log.warning("email %s: %s", message.id, unattached)
    outgoing = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
        extra_headers={"X-Portal-Message-Id": str(message.id)},
    )
    if attached is not None:
        outgoing.attach(attached[0], PDF_TYPE, attached[1])
    message.attempts += 1
    try:
        mail.send(outgoing)
    except (smtplib.SMTPException, OSError, socket.timeout) as error:
        message.last_error = describe_error(error)[:1000]
        message.locked_until = None
        if _is_permanent(error) or message.attempts >= MAX_ATTEMPTS:
            message.status = OutboundEmail.FAILED
            report.failed += 1
        else:
            message.next_attempt_at = utcnow() + retry_delay(message.attempts)
            report.retrying += 1
        log.warning("email %s to %s not sent: %s", message.id, message.recipient_domain,
                    message.last_error)
    else:
        message.status = OutboundEmail.SENT
        message.sent_at = utcnow()
        message.last_error = unattached[:1000] if unattached else None
        message.locked_until = None
        # The body may hold a one-time link: once delivered it need not stay in the database.
        message.body_text = None
        message.body_html = None
        report.sent += 1
    db.session.commit()


def deliver(ids: list[int] | None = None, limit: int = 100) -> DeliveryReport:
    """Send queued messages that are due (only `ids` when given); return what happened."""
    report = DeliveryReport()
    if not mail_configured():
        return report
    for message_id in _claim(ids, limit):
        _send_one(message_id, report)
    return report


def init_app(app: Flask) -> None:
    """Deliver the emails a request queued, after its response has gone out; emails build
    their links with portal_link()."""
    app.add_template_global(portal_link)

    @app.after_request
    def deliver_after_response(response):
        ids = g.pop("outbox_ids", None)
        if ids and app.config["OUTBOX_SEND_AFTER_REQUEST"] and mail_configured():
            real_app = current_app._get_current_object()

            def send() -> None:
                # Runs once the response is closed: a slow or dead SMTP server never delays
                # or fails the request; anything unsent stays queued for `flask outbox run`.
                with real_app.app_context():
                    try:
                        deliver(ids)
                    except Exception:  # noqa: BLE001 - the worker retries; log and move on
                        real_app.logger.exception("delivery after request failed")

            response.call_on_close(send)
        return response
