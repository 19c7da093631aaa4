"""Faults lose nothing: the email outbox (SECURITY.md rows 31, 32)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import OutboundEmail, utcnow
from tests.conftest import wait_for
from tests.factories import PASSWORD


@pytest.fixture
def console(app, make):
    shop = make.shop("Harbor Diesel")
    client = app.test_client()
    client.login_staff(make.staff(shop).email, PASSWORD)
    client.shop = shop
    client.customer = make.customer(shop, "Acme Logistics")
    return client


def _messages(read) -> list[OutboundEmail]:
    return read(lambda: db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all())


def _outbox_run(runner) -> str:
    result = runner.invoke(args=["outbox", "run"])
    assert result.exit_code == 0, result.output
    return result.output


def test_smtp_down_request_succeeds_and_one_copy_is_delivered_later(app, make, console, read,
                                                                    runner, smtp_server, mailbox):
    contact = make.contact(console.customer, email="dana@acme.example")
    smtp_server.stop()
    response = console.post_form(f"/staff/contacts/{contact.id}/invite")
    assert response.status_code == 303
    assert console.get(f"/staff/customers/{console.customer.id}").status_code == 200
    [message] = _messages(read)
    assert message.status == "queued" and message.attempts == 1
    assert message.last_error and message.body_text and "/invite/" in message.body_text
    assert message.locked_until is None
    assert message.next_attempt_at > utcnow()

    # still down, not due yet: the worker leaves it alone
    assert "sent 0" in _outbox_run(runner)
    assert _messages(read)[0].attempts == 1

    smtp_server.start()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        assert "sent 1" in _outbox_run(runner)
        assert "sent 0" in _outbox_run(runner)
    assert "sent 0" in _outbox_run(runner)
    delivered = mailbox.to("dana@acme.example")
    assert len(delivered) == 1 and "/invite/" in delivered[0].text
    [message] = _messages(read)
    assert message.status == "sent" and message.attempts == 2 and message.sent_at is not None
    assert message.last_error is None and message.body_text is None
    # the link that finally arrived works
    link = "/invite/" + delivered[0].text.split("/invite/")[1].split()[0]
    assert app.test_client().get(link).status_code == 200


def test_smtp_down_for_several_attempts_backs_off_and_keeps_the_message(make, console, read,
                                                                        runner, smtp_server,
                                                                        mailbox):
    contact = make.contact(console.customer)
    smtp_server.stop()
    assert console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303
    delays = []
    for attempt in (2, 3):
        message = _messages(read)[0]
        with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
            assert "will retry 1" in _outbox_run(runner)
        retried = _messages(read)[0]
        assert retried.status == "queued" and retried.attempts == attempt and retried.last_error
        delays.append(retried.next_attempt_at - message.next_attempt_at)
    assert delays[1] > delays[0]  # backing off
    smtp_server.start()
    with time_machine.travel(_messages(read)[0].next_attempt_at + timedelta(seconds=1)):
        assert "sent 1" in _outbox_run(runner)
    assert len(mailbox.to(contact.email)) == 1


def test_permanent_failure_is_marked_failed_and_shown_in_the_log(make, console, read, runner,
                                                                 mailbox):
    contact = make.contact(console.customer, email="nobody@bounce.example")
    mailbox.refused.add("nobody@bounce.example")
    assert console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303
    message = wait_for(lambda: (m := _messages(read)[0]).status == "failed" and m)
    assert message, _messages(read)[0].status
    assert message.attempts == 1 and "550" in message.last_error
    with time_machine.travel(utcnow() + timedelta(days=1)):
        assert "sent 0, will retry 0, failed 0" in _outbox_run(runner)  # never retried
    assert _messages(read)[0].attempts == 1 and mailbox.messages == []

    failed = console.get("/staff/email-log?status=failed").get_data(as_text=True)
    results = failed.split('id="log-results"')[1]
    assert "nobody@bounce.example" in results and "Failed" in results
    assert "Failures by recipient domain" in failed
    assert "bounce.example</a>: 1 failed" in failed
    sent_only = console.get("/staff/email-log?status=sent").get_data(as_text=True)
    assert "nobody@bounce.example" not in sent_only.split('id="log-results"')[1]
    dashboard = console.get("/staff/").get_data(as_text=True)
    assert "<strong>1</strong><span>emails failed</span>" in dashboard


def test_committed_but_unsent_email_is_delivered_once_by_the_worker(app, make, console, read,
                                                                    runner, mailbox,
                                                                    monkeypatch):
    """Row 32: the process 'dies' between commit and send (no after-request delivery)."""
    monkeypatch.setitem(app.config, "OUTBOX_SEND_AFTER_REQUEST", False)
    contact = make.contact(console.customer, email="dana@acme.example")
    assert console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303
    [message] = _messages(read)
    assert message.status == "queued" and message.attempts == 0
    assert mailbox.messages == []
    assert "sent 1" in _outbox_run(runner)
    assert "sent 0" in _outbox_run(runner)
    assert len(mailbox.to("dana@acme.example")) == 1
    [message] = _messages(read)
    assert message.status == "sent" and message.attempts == 1


def test_worker_and_after_request_delivery_never_double_send(app, make, console, read, runner,
                                                             mailbox, monkeypatch):
    """A message claimed by one sender is skipped by the other (locked_until)."""
    monkeypatch.setitem(app.config, "OUTBOX_SEND_AFTER_REQUEST", False)
    contacts = [make.contact(console.customer) for _ in range(3)]
    for contact in contacts:
        assert console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303
    from portal_app.mail import outbox

    with app.app_context():
        try:
            claimed = outbox._claim(None, 100)  # a worker that claimed and then died
            db.session.commit()
        finally:
            db.session.remove()
    assert len(claimed) == 3
    assert "sent 0" in _outbox_run(runner)  # claimed rows are not sent twice meanwhile
    with time_machine.travel(utcnow() + outbox.CLAIM_FOR + timedelta(seconds=1)):
        assert "sent 3" in _outbox_run(runner)  # the claim expired: delivered, once
    assert "sent 0" in _outbox_run(runner)
    assert sorted(len(mailbox.to(c.email)) for c in contacts) == [1, 1, 1]
