"""The session cookie is Flask's, used as shipped: an expired, forged or foreign cookie is a
logged-out request, every time it is sent, also after the same client was logged in."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from portal_app.models import utcnow
from tests.factories import PASSWORD


def _cookie(client, app) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _logged_in(app, dana):
    client = app.test_client()
    client.login_portal(dana.email, PASSWORD)
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200  # the same value again
    return client


def test_a_cookie_expires_with_the_session_lifetime(app, dana):
    with time_machine.travel(utcnow(), tick=False) as clock:
        client = _logged_in(app, dana)
        clock.shift(app.permanent_session_lifetime - timedelta(minutes=1))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=2))
        late = client.get("/")
    assert late.status_code == 302 and "/login" in late.headers["Location"]


def test_a_changed_character_in_a_cookie_is_a_logged_out_request(app, dana):
    client = _logged_in(app, dana)
    value = _cookie(client, app)

    def changed(text: str, at: int) -> str:
        # A character inside the text: the last one of a base64 run can carry unused bits,
        # so changing it may decode to the same bytes (and be accepted, as Flask would).
        return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]

    payload, signature = value.rsplit(".", 1)
    for forged in (f"{payload}.{changed(signature, 5)}", f"{changed(payload, 5)}.{signature}"):
        other = app.test_client()
        other.set_cookie(app.config["SESSION_COOKIE_NAME"], forged)
        answer = other.get("/")
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert client.get("/").status_code == 200  # the real one still works


def test_a_cookie_is_refused_once_the_secret_key_changes(app, dana):
    client = _logged_in(app, dana)
    original = app.secret_key
    app.secret_key = "another-secret-key-for-this-test-only"
    try:
        refused = client.get("/")
    finally:
        app.secret_key = original
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert client.get("/").status_code == 200


def test_a_session_that_changes_is_a_new_cookie_and_the_old_one_still_logs_out(app, dana):
    client = _logged_in(app, dana)
    before = _cookie(client, app)
    assert client.post_form("/logout").status_code in (302, 303)
    stale = app.test_client()
    stale.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    answer = stale.get("/")  # the cookie is valid, its session version is not
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
