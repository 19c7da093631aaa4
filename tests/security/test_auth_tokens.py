"""Authentication and one-time links (SECURITY.md rows 8-17)."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
import time_machine
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import Contact, OutboundEmail, PortalUser, Token
from tests.conftest import wait_for
from tests.factories import PASSWORD
from tests.security.helpers import csrf_from, link_in, strip_volatile

NEW_PASSWORD = "tractor wheel harbor lamp"
OTHER_PASSWORD = "copper kettle meadow sparrow"


@dataclass
class Shop1:
    shop: object
    customer: object
    staff: object
    console: object  # a staff browser, logged in


@pytest.fixture
def s1(app, make):
    shop = make.shop("Harbor Diesel", slug="harbor-diesel")
    staff = make.staff(shop)
    console = app.test_client()
    console.login_staff(staff.email, PASSWORD)
    return Shop1(shop, make.customer(shop, "Acme Logistics"), staff, console)


def invite(s1, mailbox, contact, count: int = 1) -> str:
    """Staff send the invitation; return the link's path from the delivered email."""
    assert s1.console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303
    return link_in(mailbox, contact.email, "invite", count=count)


def forgot(app, mailbox, email: str, count: int = 1) -> str:
    """The person asks for a reset link; return its path from the delivered email."""
    response = app.test_client().post_form("/forgot-password", {"email": email})
    assert response.status_code == 200
    return link_in(mailbox, email, "reset", count=count)


def set_password(client, link: str, password: str, confirm: str | None = None):
    return client.post_form(link, {"new_password": password,
                                   "confirm_password": password if confirm is None else confirm})


def can_log_in(app, email: str, password: str) -> bool:
    response = app.test_client().post_form("/login", {"email": email, "password": password})
    assert response.status_code in (303, 422), response.status_code
    return response.status_code == 303


def token_row(read, raw: str) -> Token:
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return read(lambda: db.session.scalar(select(Token).where(Token.token_hash == digest)))


def raw_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


# --- invitations (rows 8, 9) -------------------------------------------------------------------

def test_invitation_link_works_once(app, make, s1, mailbox, read):
    contact = make.contact(s1.customer, email="dana@acme.example", name="Dana Ortiz")
    link = invite(s1, mailbox, contact)
    browser = app.test_client()
    assert browser.get(link).status_code == 200
    response = set_password(browser, link, NEW_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert browser.get("/").status_code == 200

    # row 9: the used link can neither set a password again nor log anyone in
    again = app.test_client()
    page = again.get(link)
    assert page.status_code == 410 and "already been used" in page.get_data(as_text=True)
    response = set_password(again, link, OTHER_PASSWORD)
    assert response.status_code == 410
    assert again.get("/").status_code == 302
    assert can_log_in(app, contact.email, NEW_PASSWORD)
    assert not can_log_in(app, contact.email, OTHER_PASSWORD)
    assert token_row(read, raw_of(link)).used_at is not None


def test_invitation_expires_at_its_expiry_plus_one_second(app, make, s1, mailbox, read):
    contact = make.contact(s1.customer)
    link = invite(s1, mailbox, contact)
    token = token_row(read, raw_of(link))
    assert abs(token.expires_at - token.created_at - timedelta(days=7)) < timedelta(seconds=5)
    with time_machine.travel(token.expires_at - timedelta(seconds=1), tick=False):
        assert app.test_client().get(link).status_code == 200
    with time_machine.travel(token.expires_at + timedelta(seconds=1), tick=False):
        browser = app.test_client()
        page = browser.get(link)
        assert page.status_code == 410 and "has expired" in page.get_data(as_text=True)
        assert set_password(browser, link, NEW_PASSWORD).status_code == 410
        assert browser.get("/").status_code == 302
    assert read(lambda: db.session.get(Contact, contact.id)).portal_state == "invited"
    assert not can_log_in(app, contact.email, NEW_PASSWORD)


def _tampered(raw: str) -> list[str]:
    flip = {"A": "B"}.get(raw[-1], "A")
    first = {"A": "B"}.get(raw[0], "A")
    return [raw[:-1] + flip, first + raw[1:], raw[:-1], raw[: len(raw) // 2], raw + "A",
            raw.swapcase(), raw + "%00", "", "x" * 201]


def test_tampered_or_truncated_invitation_links_are_refused(app, make, s1, mailbox, read):
    contact = make.contact(s1.customer)
    link = invite(s1, mailbox, contact)
    raw = raw_of(link)
    browser = app.test_client()
    for bad in _tampered(raw):
        if not bad:
            continue  # /invite/ alone is no route
        url = "/invite/" + quote(bad, safe="%")
        assert browser.get(url).status_code == 404, bad
        assert set_password(browser, url, NEW_PASSWORD).status_code == 404, bad
    assert browser.get("/").status_code == 302
    assert read(lambda: db.session.get(Contact, contact.id)).portal_state == "invited"
    assert browser.get(link).status_code == 200  # the real link still works


def test_invitation_shows_its_own_shop_whatever_the_link_claims(app, make, s1, mailbox):
    """Row 8 (another tenant): ?shop= of another shop does not rebrand or redirect the link."""
    other = make.shop("Summit Fleet", slug="summit-fleet")
    contact = make.contact(s1.customer)
    link = invite(s1, mailbox, contact)
    page = app.test_client().get(link + "?shop=summit-fleet")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Welcome to Harbor Diesel" in body
    assert other.name not in body


def test_a_newer_invitation_cancels_the_older_link(app, make, s1, mailbox):
    contact = make.contact(s1.customer)
    first = invite(s1, mailbox, contact)
    second = invite(s1, mailbox, contact, count=2)
    assert first != second
    browser = app.test_client()
    assert browser.get(first).status_code == 410
    assert set_password(browser, first, NEW_PASSWORD).status_code == 410
    assert not can_log_in(app, contact.email, NEW_PASSWORD)
    assert set_password(browser, second, NEW_PASSWORD).status_code == 303


def _all_rows_text(app) -> str:
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                return "\n".join(repr(tuple(r)) for table in db.metadata.sorted_tables
                                 for r in conn.execute(table.select()))
        finally:
            db.session.remove()


def test_tokens_are_random_and_only_their_sha256_is_stored(app, make, s1, mailbox, read):
    contacts = [make.contact(s1.customer) for _ in range(3)]
    raws = [raw_of(invite(s1, mailbox, c)) for c in contacts]
    active = make.active_contact(s1.customer)
    raws.append(raw_of(forgot(app, mailbox, active.email)))
    assert len(set(raws)) == len(raws)
    for raw in raws:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", raw), raw  # >= 256 bits, URL-safe
        row = token_row(read, raw)
        assert row is not None and row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = read(lambda: [repr({c.name: getattr(t, c.name) for c in Token.__table__.columns})
                           for t in db.session.scalars(select(Token))])
    assert len(stored) == len(raws)
    for raw in raws:
        assert not any(raw in text for text in stored)
    # once delivered, no table holds a raw link (the outbox clears sent bodies)
    assert read(lambda: set(db.session.scalars(select(OutboundEmail.status)))) == {"sent"}
    everything = _all_rows_text(app)
    for raw in raws:
        assert raw not in everything


# --- password reset (row 10) -------------------------------------------------------------------

def test_reset_link_is_single_use(app, make, s1, mailbox):
    contact = make.active_contact(s1.customer)
    link = forgot(app, mailbox, contact.email)
    assert set_password(app.test_client(), link, NEW_PASSWORD).status_code == 303
    browser = app.test_client()
    assert browser.get(link).status_code == 410
    assert set_password(browser, link, OTHER_PASSWORD).status_code == 410
    assert browser.get("/").status_code == 302
    assert can_log_in(app, contact.email, NEW_PASSWORD)
    assert not can_log_in(app, contact.email, OTHER_PASSWORD)


def test_reset_link_dies_when_the_password_changes_another_way(app, make, s1, mailbox):
    """The person changes their password on the account page: the reset link they asked for
    earlier stops working."""
    contact = make.active_contact(s1.customer, email="dana@acme.example")
    reset = forgot(app, mailbox, contact.email)
    account = app.test_client()
    account.login_portal(contact.email, PASSWORD)
    assert account.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD}).status_code == 303
    browser = app.test_client()
    assert browser.get(reset).status_code == 410
    assert set_password(browser, reset, OTHER_PASSWORD).status_code == 410
    assert can_log_in(app, contact.email, NEW_PASSWORD)


def test_reset_link_dies_when_staff_change_the_contacts_email(app, make, s1, mailbox, read):
    contact = make.active_contact(s1.customer, email="old@acme.example", name="Dana")
    reset = forgot(app, mailbox, contact.email)
    response = s1.console.post_form(f"/staff/contacts/{contact.id}/edit",
                                    {"name": "Dana", "email": "new@acme.example", "phone": ""})
    assert response.status_code == 303
    browser = app.test_client()
    assert browser.get(reset).status_code in (404, 410)
    assert set_password(browser, reset, OTHER_PASSWORD).status_code in (404, 410)
    user = read(lambda: db.session.scalar(
        select(PortalUser).where(PortalUser.email == "old@acme.example")))
    assert user.password_hash is not None
    assert not can_log_in(app, "old@acme.example", OTHER_PASSWORD)


def test_a_newer_reset_request_cancels_the_older_link(app, make, s1, mailbox):
    contact = make.active_contact(s1.customer)
    first = forgot(app, mailbox, contact.email)
    second = forgot(app, mailbox, contact.email, count=2)
    assert first != second
    browser = app.test_client()
    assert browser.get(first).status_code == 410
    assert set_password(browser, first, NEW_PASSWORD).status_code == 410
    assert set_password(browser, second, NEW_PASSWORD).status_code == 303


def test_reset_link_lives_exactly_one_hour(app, make, s1, mailbox, read):
    contact = make.active_contact(s1.customer)
    issued = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=2)
    with time_machine.travel(issued, tick=False):
        link = forgot(app, mailbox, contact.email)
    token = token_row(read, raw_of(link))
    assert token.expires_at == issued + timedelta(hours=1)
    with time_machine.travel(issued + timedelta(hours=1, seconds=-1), tick=False):
        assert app.test_client().get(link).status_code == 200
    with time_machine.travel(issued + timedelta(hours=1), tick=False):
        assert app.test_client().get(link).status_code == 410
    with time_machine.travel(issued + timedelta(hours=1, seconds=1), tick=False):
        browser = app.test_client()
        page = browser.get(link)
        assert page.status_code == 410 and "has expired" in page.get_data(as_text=True)
        assert set_password(browser, link, NEW_PASSWORD).status_code == 410
    assert not can_log_in(app, contact.email, NEW_PASSWORD)
    assert can_log_in(app, contact.email, PASSWORD)


# --- forgot password: no account oracle (row 11) -----------------------------------------------

def test_forgot_password_answers_alike_for_known_and_unknown_emails(app, make, s1, mailbox,
                                                                     read):
    known = make.active_contact(s1.customer, email="known@acme.example")
    make.contact(s1.customer, email="invited@acme.example")  # no login yet
    make.active_contact(s1.customer, email="offline@acme.example", portal_disabled=True)
    answers = {}
    for email in ("known@acme.example", "nobody@acme.example", "invited@acme.example",
                  "offline@acme.example"):
        response = app.test_client().post_form("/forgot-password", {"email": email})
        body = strip_volatile(response.get_data(as_text=True)).replace(email, "EMAIL")
        answers[email] = (response.status_code, body)
    assert answers["known@acme.example"][0] == 200
    assert len(set(answers.values())) == 1, "the answer reveals which addresses have an account"
    wait_for(lambda: mailbox.to(known.email))
    assert [m.recipients for m in mailbox.messages] == [["known@acme.example"]]
    assert read(lambda: db.session.scalars(select(OutboundEmail.recipient)).all()) == \
        ["known@acme.example"]


# --- links in emails never come from the request (row 12) --------------------------------------

POISON = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
          "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Prefix": "/evil"}


def _urls_of(message) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", message.text + "\n" + message.html)


def _assert_links_are_ours(app, messages):
    assert messages
    for message in messages:
        urls = _urls_of(message)
        assert urls, message.subject
        for url in urls:
            assert url.startswith(app.config["PORTAL_BASE_URL"] + "/"), url
        assert "evil" not in message.text and "evil" not in message.html


def test_a_poisoned_host_header_is_refused(app, make, s1, mailbox):
    """TRUSTED_HOSTS (from PORTAL_BASE_URL): a request for another host is a 400 before any
    view runs, so nothing it asks for can carry that host."""
    contact = make.active_contact(s1.customer, email="dana@acme.example")
    browser = app.test_client()
    for method, path in (("GET", "/forgot-password"), ("POST", "/forgot-password"),
                         ("GET", "/staff/login"), ("GET", "/staff")):
        response = browser.open(path, method=method, base_url="http://evil.example",
                                headers=POISON, data={"email": contact.email})
        assert response.status_code == 400, (method, path)
        assert "evil" not in response.headers.get("Location", "")
    assert mailbox.messages == []


def test_poisoned_forwarded_headers_never_reach_email_links(app, make, s1, mailbox):
    contact = make.active_contact(s1.customer, email="dana@acme.example")
    pending = make.contact(s1.customer, email="pat@acme.example")
    evil = "http://localhost"  # a host we answer, with X-Forwarded-Host: evil.example

    # forgot password, asked with a poisoned X-Forwarded-Host (no proxy is trusted)
    browser = app.test_client()
    token = csrf_from(browser.get("/forgot-password", base_url=evil, headers=POISON))
    response = browser.post("/forgot-password", base_url=evil, headers=POISON,
                            data={"email": contact.email, "csrf_token": token})
    assert response.status_code == 200
    reset = wait_for(lambda: mailbox.to(contact.email))
    _assert_links_are_ours(app, reset)
    # the reset itself, through the poisoned host, and its "password changed" email
    path = link_in(mailbox, contact.email, "reset")
    token = csrf_from(browser.get(path, base_url=evil, headers=POISON))
    response = browser.post(path, base_url=evil, headers=POISON, data={
        "csrf_token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 303
    wait_for(lambda: len(mailbox.to(contact.email)) == 2)
    _assert_links_are_ours(app, mailbox.to(contact.email))

    # a staff invitation sent from a console reached through a poisoned host
    console = app.test_client()
    token = csrf_from(console.get("/staff/login", base_url=evil, headers=POISON))
    response = console.post("/staff/login", base_url=evil, headers=POISON, data={
        "email": s1.staff.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    token = csrf_from(console.get(f"/staff/customers/{s1.customer.id}", base_url=evil,
                                  headers=POISON))
    response = console.post(f"/staff/contacts/{pending.id}/invite", base_url=evil,
                            headers=POISON, data={"csrf_token": token})
    assert response.status_code == 303
    _assert_links_are_ours(app, wait_for(lambda: mailbox.to(pending.email)))


# --- secrets stay out of logs and referrers (row 13) -------------------------------------------

def test_no_token_or_password_in_logs(app, make, s1, mailbox, caplog):
    caplog.set_level(logging.DEBUG)
    contact = make.contact(s1.customer, email="dana@acme.example")
    refused = make.contact(s1.customer, email="bounce@refuse.example")
    mailbox.refused.add("bounce@refuse.example")
    link = invite(s1, mailbox, contact)
    s1.console.post_form(f"/staff/contacts/{refused.id}/invite")  # logs a delivery failure
    browser = app.test_client()
    assert set_password(browser, link, NEW_PASSWORD, confirm="mismatch " + NEW_PASSWORD) \
        .status_code == 422
    assert set_password(browser, link, NEW_PASSWORD).status_code == 303
    browser.post_form("/logout")
    assert not can_log_in(app, contact.email, OTHER_PASSWORD)
    reset = forgot(app, mailbox, contact.email, count=2)
    assert set_password(app.test_client(), reset, OTHER_PASSWORD).status_code == 303
    secrets = [raw_of(link), raw_of(reset), NEW_PASSWORD, OTHER_PASSWORD, PASSWORD]
    app_records = [r for r in caplog.records if not r.name.startswith("mail.log")]  # aiosmtpd
    assert any(r.name == "portal_app.mail.outbox" for r in app_records)  # logging was captured
    for record in app_records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.args)
        for secret in secrets:
            assert secret not in text, f"{record.name}: {text[:300]}"


def _assert_secret_page_headers(response, what: str):
    assert response.headers.get("Referrer-Policy") == "no-referrer", what
    assert "no-store" in response.headers.get("Cache-Control", ""), what


def test_invite_and_reset_pages_send_no_referrer_and_no_store(app, make, s1, mailbox):
    contact = make.contact(s1.customer)
    active = make.active_contact(s1.customer)
    links = {"invite": invite(s1, mailbox, contact), "reset": forgot(app, mailbox, active.email)}
    for kind, link in links.items():
        browser = app.test_client()
        _assert_secret_page_headers(browser.get(link), f"{kind} form")
        _assert_secret_page_headers(browser.get(link, headers={"HX-Request": "true"}),
                                    f"{kind} form (htmx)")
        _assert_secret_page_headers(set_password(browser, link, "short", "short"),
                                    f"{kind} refused password")
        _assert_secret_page_headers(browser.get(link[:-3]), f"{kind} unknown link")
        assert set_password(browser, link, NEW_PASSWORD if kind == "invite" else OTHER_PASSWORD) \
            .status_code == 303
        _assert_secret_page_headers(app.test_client().get(link), f"{kind} used link")


def test_error_pages_at_secret_links_send_no_referrer_and_no_store(app, make, s1, mailbox):
    """Any response to a URL holding a token (here: a form posted without its CSRF token, and
    a method the route does not allow) must not leak that URL as a Referer or into a cache."""
    contact = make.contact(s1.customer)
    active = make.active_contact(s1.customer)
    for link in (invite(s1, mailbox, contact), forgot(app, mailbox, active.email)):
        browser = app.test_client()
        response = browser.post(link, data={"new_password": NEW_PASSWORD,
                                            "confirm_password": NEW_PASSWORD})
        assert response.status_code == 400
        _assert_secret_page_headers(response, f"{link} without CSRF")
        response = browser.delete(link)
        assert response.status_code == 405
        _assert_secret_page_headers(response, f"{link} DELETE")


# --- sessions (rows 14, 15) --------------------------------------------------------------------

def _session_cookie(client) -> str:
    cookie = client.get_cookie(client.application.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else ""


def _copy_of(app, client):
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], _session_cookie(client))
    return other


def test_login_rotates_the_session_and_logout_kills_copied_cookies(app, make, s1):
    contact = make.active_contact(s1.customer)
    browser = app.test_client()
    before_token = csrf_from(browser.get("/login"))
    before = _session_cookie(browser)
    assert before
    browser.login_portal(contact.email, PASSWORD)
    after = _session_cookie(browser)
    assert after and after != before
    # the pre-login session (and its CSRF token) is gone: a fixated cookie is useless
    planted = app.test_client()
    planted.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    assert planted.get("/").status_code == 302
    assert browser.post("/logout", data={"csrf_token": before_token}).status_code == 400
    assert browser.get("/").status_code == 200

    stolen = _copy_of(app, browser)
    assert stolen.get("/").status_code == 200  # a copied cookie works while the login lives
    assert browser.post_form("/logout").status_code == 303
    assert browser.get("/").status_code == 302
    response = stolen.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert stolen.get("/", headers={"HX-Request": "true"}).status_code == 401


def test_staff_logout_kills_copied_cookies(app, make, s1):
    stolen = _copy_of(app, s1.console)
    assert stolen.get("/staff/").status_code == 200
    assert s1.console.post_form("/staff/logout").status_code == 303
    response = stolen.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_password_reset_ends_other_sessions_and_sends_a_notice(app, make, s1, mailbox, read):
    contact = make.active_contact(s1.customer, email="dana@acme.example")
    phone = app.test_client()
    phone.login_portal(contact.email, PASSWORD)
    stolen = _copy_of(app, phone)
    version = read(lambda: db.session.get(PortalUser, contact.portal_user_id).session_version)
    link = forgot(app, mailbox, contact.email)
    laptop = app.test_client()
    response = set_password(laptop, link, NEW_PASSWORD)
    assert response.status_code == 303
    assert laptop.get("/").status_code == 200  # the browser that reset stays logged in
    assert phone.get("/").status_code == 302
    assert stolen.get("/").status_code == 302
    user = read(lambda: db.session.get(PortalUser, contact.portal_user_id))
    assert user.session_version > version
    notices = read(lambda: db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.kind == "password_changed")).all())
    assert len(notices) == 1 and notices[0].recipient == "dana@acme.example"
    mails = wait_for(lambda: [m for m in mailbox.to(contact.email) if "was changed" in m.subject])
    assert len(mails) == 1 and "password" in mails[0].subject.lower()


# --- open redirects (row 16) -------------------------------------------------------------------

HOSTILE_NEXT = ["//evil.com", "////evil.com", "/\\evil.com", "https://evil.com",
                "javascript:alert(1)", "%2F%2Fevil.com", "\\\\evil.com",
                "/\t/evil.com", " //evil.com", "http:evil.com", "/staff/"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_lands_on_the_dashboard(app, make, s1, target):
    contact = make.active_contact(s1.customer)
    for query in ("next=" + quote(target, safe=""), "next=" + target.replace("\t", "%09")):
        browser = app.test_client()
        response = browser.post_form(f"/login?{query}",
                                     {"email": contact.email, "password": PASSWORD})
        assert response.status_code == 303, query
        assert response.headers["Location"] == "/", query
        # already logged in: GET /login?next=... goes home as well
        response = browser.get(f"/login?{query}")
        assert response.status_code == 302 and response.headers["Location"] == "/", query


def test_safe_next_is_kept(app, make, s1):
    """The positive control: a plain local path survives, so the test above is not vacuous."""
    contact = make.active_contact(s1.customer)
    response = app.test_client().post_form("/login?next=/accounts",
                                           {"email": contact.email, "password": PASSWORD})
    assert response.headers["Location"] == "/accounts"


# --- password policy (row 17) ------------------------------------------------------------------

def test_long_passphrase_verifies_untruncated(app, make, s1, mailbox):
    contact = make.contact(s1.customer)
    link = invite(s1, mailbox, contact)
    words = "harbor tractor lantern meadow copper kettle sparrow violet granite "
    passphrase = (words * 4)[:199] + "q"
    assert len(passphrase) == 200
    assert set_password(app.test_client(), link, passphrase).status_code == 303
    assert can_log_in(app, contact.email, passphrase)
    assert not can_log_in(app, contact.email, passphrase[:-1] + "z")  # last character differs
    assert not can_log_in(app, contact.email, passphrase[:-1])  # one character short
    assert not can_log_in(app, contact.email, passphrase[:72])  # bcrypt would stop here


@pytest.mark.parametrize("password, message", [
    ("short pass", "Use at least 12 characters"),
    ("elevenchars", "Use at least 12 characters"),
    ("password1234", "Choose a less common password"),
])
def test_weak_passwords_are_refused_with_a_clear_message(app, make, s1, mailbox, password,
                                                         message):
    contact = make.contact(s1.customer)
    active = make.active_contact(s1.customer)
    for link in (invite(s1, mailbox, contact), forgot(app, mailbox, active.email)):
        browser = app.test_client()
        response = set_password(browser, link, password)
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert message in body, body[-3000:]
        assert browser.get(link).status_code == 200  # a refused attempt keeps the link alive
    assert not can_log_in(app, contact.email, password)
    assert not can_log_in(app, active.email, password)


def test_the_session_cookie_holds_only_what_the_portal_reads(app, make, s1):
    """Flask-Login's session-protection hash and fresh flag are not kept (every request
    uploads the cookie; the portal uses neither), and a browser's cookie is stable from its
    second page on, so pages do not re-sign the session."""
    from flask.sessions import SecureCookieSessionInterface

    contact = make.active_contact(s1.customer)
    browser = app.test_client()
    browser.login_portal(contact.email, PASSWORD)
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    data = signer.loads(_session_cookie(browser))
    assert "_id" not in data and "_fresh" not in data
    assert data["_user_id"].startswith("portal:") and "since" in data
    assert browser.get("/").status_code == 200  # the first page adds the CSRF token
    settled = _session_cookie(browser)
    for path in ("/", "/invoices", "/requests", "/assets"):
        response = browser.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path
    assert _session_cookie(browser) == settled
