"""Portal sign-in journeys through HTTP: invitation, reset, account switching, demo."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import Contact, OutboundEmail, PortalUser
from tests.conftest import wait_for
from tests.factories import PASSWORD

NEW_PASSWORD = "tractor wheel harbor lamp"


def _invite(app, make, mailbox, **contact_kw):
    shop = make.shop("Harbor Diesel")
    staff = make.staff(shop)
    contact = make.contact(make.customer(shop, "Acme Logistics"), **contact_kw)
    console = app.test_client()
    console.login_staff(staff.email, PASSWORD)
    console.post_form(f"/staff/contacts/{contact.id}/invite")
    message = wait_for(lambda: mailbox.to(contact.email))[0]
    return contact, re.search(r"http://portal\.test(/invite/\S+)", message.text).group(1)


def test_invitation_sets_password_and_logs_in(app, client, make, mailbox, read):
    contact, link = _invite(app, make, mailbox, name="Dana Ortiz")
    page = client.get(link)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Welcome to Harbor Diesel" in body
    assert '<label for="new_password">New password</label>' in body
    assert '<label for="confirm_password">Confirm password</label>' in body
    assert ">Set password</button>" in body
    response = client.post_form(link, {"new_password": NEW_PASSWORD,
                                       "confirm_password": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Hello, Dana" in client.get("/").get_data(as_text=True)
    saved = read(lambda: db.session.get(Contact, contact.id))
    assert saved.portal_state == "active"
    again = client.get(link)
    assert again.status_code == 410
    text = again.get_data(as_text=True)
    assert "already been used" in text and ">Log in</a>" in text and ">Forgot password?</a>" in text


def test_set_password_errors_keep_the_form(app, client, make, mailbox):
    _, link = _invite(app, make, mailbox)
    response = client.post_form(link, {"new_password": NEW_PASSWORD, "confirm_password": "other"})
    assert response.status_code == 422
    assert "The two passwords don&#39;t match." in response.get_data(as_text=True)
    response = client.post_form(link, {"new_password": "short", "confirm_password": "short"})
    assert "at least 12 characters" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200  # a refused attempt does not use up the link


def test_invitation_for_an_existing_login_links_the_second_customer(app, client, make, mailbox,
                                                                     read):
    shop = make.shop("Harbor Diesel")
    first = make.active_contact(make.customer(shop, "Acme Logistics"),
                                email="dana@acme.example", name="Dana")
    second = make.active_contact(make.customer(shop, "Birch Construction"),
                                 email="dana@acme.example", name="Dana")
    assert read(lambda: db.session.scalar(select(db.func.count()).select_from(PortalUser))) == 1
    response = client.post_form("/login", {"email": "dana@acme.example", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].startswith("/accounts")
    page = client.get("/accounts").get_data(as_text=True)
    assert "Acme Logistics" in page and "Birch Construction" in page
    client.post_form("/accounts", {"contact_id": second.id})
    assert "Birch Construction" in client.get("/").get_data(as_text=True)
    client.post_form("/accounts", {"contact_id": first.id})
    assert "Acme Logistics · customer of" in client.get("/").get_data(as_text=True)


def test_switching_to_someone_elses_contact_is_404(client, make):
    shop = make.shop()
    mine = make.active_contact(make.customer(shop), email="me@acme.example")
    other = make.active_contact(make.customer(shop), email="other@birch.example")
    client.login_portal(mine.email, PASSWORD)
    assert client.post_form("/accounts", {"contact_id": other.id}).status_code == 404


def test_forgot_password_and_reset(app, client, make, mailbox, read):
    contact = make.active_contact(make.customer(make.shop("Harbor Diesel")), name="Dana")
    page = client.get("/forgot-password").get_data(as_text=True)
    assert '<label for="email">Email</label>' in page and ">Send reset link</button>" in page
    response = client.post_form("/forgot-password", {"email": contact.email.upper()})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    link = re.search(r"http://portal\.test(/reset/\S+)",
                     wait_for(lambda: mailbox.to(contact.email))[0].text).group(1)
    response = client.post_form(link, {"new_password": NEW_PASSWORD,
                                       "confirm_password": NEW_PASSWORD})
    assert response.status_code == 303
    changed = wait_for(lambda: [m for m in mailbox.to(contact.email) if "changed" in m.subject])
    assert changed and "Harbor Diesel" in changed[0].subject
    fresh = app.test_client()
    fresh.login_portal(contact.email, NEW_PASSWORD)
    old = app.test_client().post_form("/login", {"email": contact.email, "password": PASSWORD})
    assert old.status_code == 422  # the old password no longer works


def test_forgot_password_rejects_a_malformed_address_next_to_the_field(client):
    response = client.post_form("/forgot-password", {"email": "not an address"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter an email address like" in body and 'value="not an address"' in body


def test_logout_needs_post_and_ends_the_session(client, make):
    shop = make.shop()
    contact = make.active_contact(make.customer(shop))
    client.login_portal(contact.email, PASSWORD)
    assert client.get("/logout").status_code == 405
    response = client.post_form("/logout")
    assert response.status_code == 303  # to the shop's login page (issue 19 item 3)
    assert response.headers["Location"] == f"/login?shop={shop.slug}"
    assert client.get("/").status_code == 302


def test_htmx_request_after_session_end_redirects_via_header(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_demo_command_loads_the_demo_once(runner, read):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo-fleet.example" in result.output and "demo-customer-pass" in result.output
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "already has data" in result.output
    assert runner.invoke(args=["demo"]).exit_code != 0
    states = read(lambda: {c.name: c.portal_state for c in db.session.scalars(select(Contact))})
    assert states["Dana Ortiz"] == "active" and states["Ben Birch"] == "invited"
    assert "not_invited" in states.values()
    queued = read(lambda: db.session.scalar(select(OutboundEmail.kind)))
    assert queued == "invitation"


def test_demo_logins_work(runner, app):
    runner.invoke(args=["demo"])
    portal = app.test_client()
    portal.login_portal("dana@acme-logistics.example", "demo-customer-pass")
    assert "Demo Fleet Services" in portal.get("/").get_data(as_text=True)
    staff = app.test_client()
    staff.login_staff("admin@demo-fleet.example", "demo-admin-pass")
    assert "Alex Admin · Administrator" in staff.get("/staff/").get_data(as_text=True)
    staff2 = app.test_client()
    staff2.login_staff("staff@demo-fleet.example", "demo-staff-pass")


def test_restore_admin_command(runner, make, read):
    from portal_app.models import StaffUser

    user = make.staff(make.shop(), role="staff", email="lost@shop.example")
    result = runner.invoke(args=["roles", "restore-admin", "LOST@shop.example"])
    assert result.exit_code == 0, result.output
    assert read(lambda: db.session.get(StaffUser, user.id).role) == "admin"
    assert runner.invoke(args=["roles", "restore-admin", "nobody@x.example"]).exit_code != 0


def test_shop_create_command_refuses_weak_password(runner, read):
    from portal_app.models import Shop

    weak = runner.invoke(args=["shop", "create", "--name", "Harbor", "--slug", "harbor",
                               "--admin-email", "a@h.example", "--admin-name", "A",
                               "--admin-password", "password1234"])
    assert weak.exit_code != 0 and "common password" in weak.output
    ok = runner.invoke(args=["shop", "create", "--name", "Harbor", "--slug", "harbor",
                             "--admin-email", "a@h.example", "--admin-name", "A",
                             "--admin-password", NEW_PASSWORD])
    assert ok.exit_code == 0, ok.output
    assert read(lambda: db.session.scalar(select(Shop.name))) == "Harbor"


def test_invitation_to_an_existing_login_asks_for_its_password_and_changes_nothing(
        app, client, make, mailbox, read):
    """Issue 19 item 9: choosing a new password through another shop's invitation is not on
    offer; the owner accepts with the password they have, which stays."""
    shop = make.shop("Harbor Diesel")
    make.active_contact(make.customer(shop, "Acme"), email="dana@acme.example")
    contact, link = _invite(app, make, mailbox, email="dana@acme.example")
    refused = client.post_form(link, {"new_password": NEW_PASSWORD,
                                      "confirm_password": NEW_PASSWORD})
    assert refused.status_code == 422 and "Enter your password." in refused.get_data(as_text=True)
    assert client.post_form(link, {"password": PASSWORD}).status_code == 303
    assert read(lambda: db.session.get(Contact, contact.id).portal_state) == "active"
    logged_in = app.test_client()
    logged_in.login_portal("dana@acme.example", PASSWORD)  # the password they had
    assert not [m for m in mailbox.to("dana@acme.example") if "changed" in m.subject]

