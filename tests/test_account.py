"""The customer's account page (issue 19 item 2): Change password, the person's sessions as rows
(Log out other sessions, an end button per session, last seen at most every 15 minutes) and
the notification choices every document email honours."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event, select

from portal_app.extensions import db
from portal_app.models import (
    Contact,
    Estimate,
    Invoice,
    LoginSession,
    OutboundEmail,
    PortalUser,
    ServiceRequest,
    StaffUser,
    WorkOrder,
    utcnow,
)
from tests.conftest import wait_for
from tests.factories import PASSWORD

NEW_PASSWORD = "tractor wheel harbor lamp"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) " \
        "Chrome/126.0.0.0 Mobile Safari/537.36"
LAPTOP = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like " \
         "Gecko) Version/17.5 Safari/605.1.15"


@pytest.fixture
def harbor(make):
    return make.shop("Harbor Diesel", slug="harbor-diesel", timezone="America/Chicago")


@pytest.fixture
def acme(make, harbor):
    return make.customer(harbor, "Acme Logistics")


@pytest.fixture
def dana(make, acme):
    return make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)


def browser(app, contact, user_agent: str = LAPTOP, ip: str = "198.51.100.7"):
    """A browser of its own (a cookie jar) logged in as the contact."""
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    client.login_portal(contact.email, PASSWORD)
    return client


def sessions_of(read, contact) -> list[LoginSession]:
    return read(lambda: db.session.scalars(select(LoginSession).where(
        LoginSession.portal_user_id == contact.portal_user_id).order_by(LoginSession.id)).all())


def can_log_in(app, email: str, password: str) -> bool:
    client = app.test_client()
    response = client.post_form("/login", {"email": email, "password": password})
    return response.status_code == 303


def change_password(client, current: str, new: str, confirm: str | None = None):
    return client.post_form("/account/password", {
        "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm})


def test_the_account_page_names_the_person_and_lists_their_sessions(app, dana, read):
    phone = browser(app, dana, PHONE, "203.0.113.5")
    laptop = browser(app, dana, LAPTOP, "198.51.100.7")
    page = laptop.get("/account")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Dana Ortiz" in html and "dana@acme.example" in html
    assert ">Change password</button>" in html and ">Log out other sessions</button>" in html
    assert "Chrome on Android" in html and "Safari on macOS" in html
    assert "203.0.113.5" in html and "198.51.100.7" in html
    assert html.count("This session") == 1
    # this session is the laptop's: the phone's row has the end button, the laptop's has none
    phone_row, laptop_row = sessions_of(read, dana)
    assert f'/account/sessions/{phone_row.id}/end"' in html
    assert f'/account/sessions/{laptop_row.id}/end"' not in html
    # last seen on the shop's clock (Chicago), not UTC's
    assert re.search(r"last seen \d{1,2} \w{3} \d{4} \d\d:\d\d C[SD]T", html)
    assert phone.get("/account").status_code == 200
    # the labels of the notification choices, every one ticked to begin with
    for label in ("New invoices and payment receipts",
                  "Estimates and additional work waiting for my approval",
                  "Replies from the shop", "Updates on my service requests"):
        assert label in html
    assert html.count('type="checkbox"') == 4 and html.count("checked") == 4


def test_change_password_logs_out_the_other_browser_and_keeps_this_one(app, dana, read,
                                                                         mailbox):
    phone = browser(app, dana, PHONE)
    laptop = browser(app, dana, LAPTOP)
    copied = app.test_client()  # a copy of the laptop's own cookie, taken before the change
    copied.set_cookie(app.config["SESSION_COOKIE_NAME"],
                      laptop.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    assert copied.get("/").status_code == 200
    response = change_password(laptop, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    page = laptop.get("/account")
    assert page.status_code == 200  # this browser carries on
    assert "Your password was changed" in page.get_data(as_text=True)
    assert laptop.post_form("/account/notifications", {}).status_code == 303  # CSRF kept too
    gone = phone.get("/")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
    assert copied.get("/").status_code == 302  # the old cookie's version is dead
    rows = sessions_of(read, dana)
    assert [row.ended_at is None for row in rows] == [False, True]
    assert can_log_in(app, dana.email, NEW_PASSWORD)
    assert not can_log_in(app, dana.email, PASSWORD)
    notice = wait_for(lambda: [m for m in mailbox.to("dana@acme.example")
                               if "password was changed" in m.subject])
    assert notice and "every other session was logged out" in notice[0].text


def test_a_wrong_current_password_is_a_message_next_to_its_field(app, dana, read):
    laptop = browser(app, dana)
    before = read(lambda: db.session.get(PortalUser, dana.portal_user_id).password_hash)
    response = change_password(laptop, "not my password at all", NEW_PASSWORD)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="current_password"[^>]*aria-invalid="true"', html)
    assert '<p class="error" id="current_password-msg">That is not your current password.</p>' \
        in html
    weak = change_password(laptop, PASSWORD, "password")
    assert weak.status_code == 422 and "Use at least 12 characters" in weak.get_data(as_text=True)
    mismatch = change_password(laptop, PASSWORD, NEW_PASSWORD, "tractor wheel harbor lump")
    assert mismatch.status_code == 422
    assert "The two passwords don&#39;t match." in mismatch.get_data(as_text=True)
    assert read(lambda: db.session.get(PortalUser, dana.portal_user_id).password_hash) == before
    assert laptop.get("/account").status_code == 200


def test_wrong_current_passwords_are_limited_like_failed_logins(app, dana):
    laptop = browser(app, dana)
    for _ in range(5):
        assert change_password(laptop, "guess guess guess", NEW_PASSWORD).status_code == 422
    refused = change_password(laptop, "guess guess guess", NEW_PASSWORD)
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_log_out_other_sessions_keeps_only_this_one(app, dana, read):
    phone, tablet = browser(app, dana, PHONE), browser(app, dana, PHONE, "203.0.113.77")
    laptop = browser(app, dana, LAPTOP)
    response = laptop.post_form("/account/sessions/end-others")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    page = laptop.get("/account").get_data(as_text=True)
    assert "2 other sessions were logged out." in page
    assert "Log out other sessions" not in page and "You are logged in nowhere else." in page
    for other in (phone, tablet):
        assert other.get("/").status_code == 302
    assert laptop.get("/").status_code == 200
    again = laptop.post_form("/account/sessions/end-others")
    assert again.status_code == 303
    assert "No other session was open." in laptop.get("/account").get_data(as_text=True)
    assert [row.ended_at is None for row in sessions_of(read, dana)] == [False, False, True]


def test_an_end_button_ends_that_session_only(app, dana, read):
    phone, laptop = browser(app, dana, PHONE), browser(app, dana, LAPTOP)
    tablet = browser(app, dana, PHONE, "203.0.113.77")
    phone_row = sessions_of(read, dana)[0]
    response = laptop.post_form(f"/account/sessions/{phone_row.id}/end")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert "Chrome on Android was logged out" in laptop.get("/account").get_data(as_text=True)
    assert phone.get("/").status_code == 302
    assert tablet.get("/").status_code == 200 and laptop.get("/").status_code == 200
    twice = laptop.post_form(f"/account/sessions/{phone_row.id}/end")
    assert twice.status_code == 303
    assert "That session had ended already." in laptop.get("/account").get_data(as_text=True)


def test_ending_this_browsers_own_session_logs_it_out(app, dana, read):
    laptop = browser(app, dana)
    row = sessions_of(read, dana)[0]
    response = laptop.post_form(f"/account/sessions/{row.id}/end")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert laptop.get("/").status_code == 302


def test_a_foreign_or_unknown_session_id_is_a_404(app, make, dana, harbor, read):
    laptop = browser(app, dana)
    someone = make.active_contact(make.customer(harbor, "Birch Construction"),
                                  email="abe@birch.example")
    elsewhere = make.active_contact(make.customer(make.shop("Summit Fleet"), "Cedar Haulage"),
                                    email="bea@cedar.example")
    theirs = [make.login_session(someone), make.login_session(elsewhere)]
    for row in theirs:
        for headers in ({}, {"HX-Request": "true"}):
            response = laptop.post_form(f"/account/sessions/{row.id}/end", headers=headers)
            assert response.status_code == 404, (row.id, headers)
    for ident in ("999999", "2147483648", "٣"):
        assert laptop.post_form(f"/account/sessions/{ident}/end").status_code == 404
    assert all(row.ended_at is None for row in read(lambda: db.session.scalars(
        select(LoginSession).where(LoginSession.id.in_([r.id for r in theirs]))).all()))
    assert laptop.get("/account").status_code == 200


def test_logging_out_ends_this_browsers_session_only(app, dana, read):
    phone, laptop = browser(app, dana, PHONE), browser(app, dana, LAPTOP)
    copied = app.test_client()
    copied.set_cookie(app.config["SESSION_COOKIE_NAME"],
                      phone.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    assert phone.post_form("/logout").status_code == 303
    assert phone.get("/").status_code == 302
    assert copied.get("/").status_code == 302  # the row ended: a copied cookie ends with it
    assert laptop.get("/").status_code == 200  # the person's other browser carries on
    assert [row.ended_at is None for row in sessions_of(read, dana)] == [False, True]


class Statements:
    """The SQL statements the app runs while this is open (an engine event listener)."""

    def __init__(self, app) -> None:
        self.app, self.seen = app, []

    def _note(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(" ".join(statement.split()))

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._note)

    def touching(self, table: str) -> list[str]:
        return [s for s in self.seen if table in s]


def test_last_seen_is_written_at_login_and_at_most_every_15_minutes(app, dana, read):
    with time_machine.travel(utcnow(), tick=False) as clock:
        laptop = browser(app, dana)
        first = sessions_of(read, dana)[0].last_seen_at
        with Statements(app) as sql:
            clock.shift(timedelta(minutes=14))
            assert laptop.get("/").status_code == 200
            assert laptop.get("/invoices").status_code == 200
        assert sessions_of(read, dana)[0].last_seen_at == first
        # one statement a request reads the session: the login's own query, joined
        reads = sql.touching("login_session")
        assert len(reads) == 2 and all(s.startswith("SELECT") for s in reads)
        assert all("FROM contact JOIN portal_user" in s for s in reads)
        with Statements(app) as sql:
            clock.shift(timedelta(minutes=2))  # 16 minutes after the login
            assert laptop.get("/").status_code == 200
            assert laptop.get("/").status_code == 200
        seen = sessions_of(read, dana)[0].last_seen_at
        assert seen == first + timedelta(minutes=16)
        assert len([s for s in sql.touching("login_session") if s.startswith("UPDATE")]) == 1
        clock.shift(timedelta(minutes=10))
        assert laptop.get("/").status_code == 200
        assert sessions_of(read, dana)[0].last_seen_at == seen


def test_sessions_not_seen_for_the_cookie_lifetime_are_not_listed(app, make, dana):
    laptop = browser(app, dana)
    old = make.login_session(dana, last_seen_at=utcnow() - app.permanent_session_lifetime
                             - timedelta(minutes=1))
    html = laptop.get("/account").get_data(as_text=True)
    assert f"/account/sessions/{old.id}/end" not in html


def test_an_administrator_previewing_the_customer_sees_no_account(app, make, dana, harbor,
                                                                  read):
    admin = make.staff(harbor, role="admin", email="ava@harbor.example")
    console = app.test_client()
    console.login_staff(admin.email, PASSWORD)
    acme_id = read(lambda: db.session.get(Contact, dana.id).customer_id)
    assert console.post_form(f"/staff/preview/{acme_id}").status_code == 303
    assert console.get("/").status_code == 200  # the preview is on
    assert console.get("/account").status_code == 404
    for url, data in (("/account/notifications", {}), ("/account/sessions/end-others", {}),
                      ("/account/password", {"current_password": PASSWORD,
                                             "new_password": NEW_PASSWORD,
                                             "confirm_password": NEW_PASSWORD})):
        assert console.post_form(url, data).status_code == 403, url
    user = read(lambda: db.session.get(PortalUser, dana.portal_user_id))
    assert user.notify_invoices and can_log_in(app, dana.email, PASSWORD)


# --- Notification choices --------------------------------------------------------------------

CHOICE_FIELDS = ("notify_invoices", "notify_estimates", "notify_replies", "notify_requests")


def choose(client, *wanted: str):
    response = client.post_form("/account/notifications", {name: "y" for name in wanted})
    assert response.status_code == 303
    return response


def test_saving_choices_keeps_them_and_says_so(app, dana, read):
    laptop = browser(app, dana)
    choose(laptop, "notify_replies")
    page = laptop.get("/account").get_data(as_text=True)
    assert "Your email choices are saved." in page
    assert re.search(r'id="notify_replies"[^>]*checked|checked[^>]*id="notify_replies"', page)
    assert page.count("checked") == 1
    user = read(lambda: db.session.get(PortalUser, dana.portal_user_id))
    assert (user.notify_invoices, user.notify_estimates, user.notify_replies,
            user.notify_requests) == (False, False, True, False)


def _emails(read, kind: str) -> list[str]:
    return read(lambda: db.session.scalars(select(OutboundEmail.recipient).where(
        OutboundEmail.kind == kind).order_by(OutboundEmail.id)).all())


def _service(app, fn):
    with app.app_context():
        try:
            result = fn()
            db.session.commit()
            return result
        finally:
            db.session.remove()


def _send_every_document_email(app, make, acme, dana, staff):
    """Staff do each thing that emails the customer: issue an invoice, send an estimate, ask
    for additional work, reply on an estimate, schedule a request and reply on it; a payment
    is received. Through the services the console's buttons call."""
    from portal_app.models import Payment
    from portal_app.services import (comments, estimates, invoices, payments,
                                     service_requests, work_orders)

    draft = make.invoice(acme, state="draft", due_in_days=None)
    estimate = make.estimate(acme, status="draft")
    work_order = make.work_order(acme)
    request = make.service_request(dana)
    paid = make.invoice(acme)
    payment = make.payment(paid, 5000, method="card", status="succeeded", contact_id=dana.id,
                           stripe_checkout_session_id="cs_test_choices")  # paid online

    def run():
        member = db.session.get(StaffUser, staff.id)
        invoices.issue(db.session.get(Invoice, draft.id))
        estimates.send(db.session.get(Estimate, estimate.id), member)
        work_orders.request_approval(db.session.get(WorkOrder, work_order.id),
                                     [{"description": "Air hose", "quantity": 1,
                                       "unit_price_cents": 16500, "kind": "parts",
                                       "discount": 0, "taxable": True}], "", 0)
        comments.post(db.session.get(Estimate, estimate.id), member, "We can start Monday.")
        found = db.session.get(ServiceRequest, request.id)
        service_requests.schedule(found, member, utcnow().date() + timedelta(days=3))
        service_requests.reply(found, member, "See you then.")
        payments.send_receipt(db.session.get(Payment, payment.id))

    _service(app, run)


KIND_OF_CHOICE = {"notify_invoices": ("invoice_issued", "payment_receipt"),
                  "notify_estimates": ("estimate_sent", "additional_work"),
                  "notify_replies": ("document_reply",),
                  "notify_requests": ("request_update",)}


@pytest.mark.parametrize("turned_off", CHOICE_FIELDS)
def test_each_choice_is_honoured_by_its_emails(app, make, acme, dana, harbor, read,
                                               turned_off):
    staff = make.staff(harbor, email="sam@harbor.example")
    laptop = browser(app, dana)
    choose(laptop, *(name for name in CHOICE_FIELDS if name != turned_off))
    _send_every_document_email(app, make, acme, dana, staff)
    for choice, kinds in KIND_OF_CHOICE.items():
        for kind in kinds:
            wanted = choice != turned_off
            got = _emails(read, kind)
            if kind == "request_update":  # the schedule is an update, the reply a reply
                times = (turned_off != "notify_requests") + (turned_off != "notify_replies")
                assert got == ["dana@acme.example"] * times, (turned_off, kind, got)
            else:
                assert got == (["dana@acme.example"] if wanted else []), (turned_off, kind)


def test_resets_invitations_and_password_notices_always_go(app, make, dana, harbor, read,
                                                          mailbox):
    laptop = browser(app, dana)
    choose(laptop)  # nothing ticked: every kind off
    assert laptop.post_form("/forgot-password", {"email": dana.email}).status_code == 200
    assert _emails(read, "password_reset") == ["dana@acme.example"]
    second = make.contact(make.customer(harbor, "Birch Construction"), email=dana.email,
                          name="Dana Ortiz")
    staff = make.staff(harbor, email="sam@harbor.example")
    console = app.test_client()
    console.login_staff(staff.email, PASSWORD)
    assert console.post_form(f"/staff/contacts/{second.id}/invite").status_code == 303
    assert _emails(read, "invitation") == ["dana@acme.example"]
    assert change_password(laptop, PASSWORD, NEW_PASSWORD).status_code == 303
    assert _emails(read, "password_changed") == ["dana@acme.example"]
