"""The staff console through HTTP: customers, contacts, locations, invitations, email log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import Contact, Customer, Location, OutboundEmail, Token
from tests.conftest import wait_for
from tests.factories import PASSWORD

HTMX = {"HX-Request": "true"}


@pytest.fixture
def shop(make):
    return make.shop("Harbor Diesel")


@pytest.fixture
def staff_client(client, make, shop):
    user = make.staff(shop, role="staff")
    client.login_staff(user.email, PASSWORD)
    return client


def test_staff_login_labels_and_bad_password(client, make, shop):
    make.staff(shop, email="sam@harbor.example")
    page = client.get("/staff/login").get_data(as_text=True)
    assert '<label for="email">Email</label>' in page and ">Log in</button>" in page
    response = client.post_form("/staff/login", {"email": "sam@harbor.example",
                                                  "password": "wrong password here"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "match a staff account" in body
    assert 'value="sam@harbor.example"' in body  # what was typed stays


def test_create_customer_validates_and_keeps_input(staff_client, read):
    response = staff_client.post_form("/staff/customers/new", {"name": "", "account_number": "C-9"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter the customer&#39;s name." in body and 'value="C-9"' in body
    response = staff_client.post_form("/staff/customers/new",
                                      {"name": "  Acme Logistics ", "account_number": "C-9"})
    assert response.status_code == 303
    customer = read(lambda: db.session.scalar(select(Customer)))
    assert customer.name == "Acme Logistics"
    assert response.headers["Location"] == f"/staff/customers/{customer.id}"


def test_customer_search_full_page_and_fragment(staff_client, make, shop):
    make.customer(shop, "Acme Logistics")
    make.customer(shop, "Birch Construction")
    page = staff_client.get("/staff/customers?q=acme")
    assert "Acme Logistics" in page.get_data(as_text=True)
    assert "Birch" not in page.get_data(as_text=True).split('id="results"')[1]
    fragment = staff_client.get("/staff/customers?q=birch", headers=HTMX)
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="results">') and "<html" not in text
    assert "Birch Construction" in text and "Acme" not in text


def test_customer_list_is_paginated(staff_client, make, shop):
    for n in range(25):
        make.customer(shop, f"Customer {n:02d}")
    first = staff_client.get("/staff/customers").get_data(as_text=True)
    assert "Customer 19" in first and "Customer 20" not in first and "Page 1</span>" in first
    assert 'rel="next"' in first
    second = staff_client.get("/staff/customers?page=2").get_data(as_text=True)
    assert "Customer 24" in second and "Customer 00" not in second


def test_add_contact_sends_invitation(staff_client, make, shop, mailbox, read):
    customer = make.customer(shop, "Acme")
    response = staff_client.post_form(f"/staff/customers/{customer.id}/contacts/new", {
        "name": "Dana Ortiz", "email": "Dana@Acme.example", "phone": "", "is_billing": "y",
        "send_invitation": "y"})
    assert response.status_code == 303
    messages = wait_for(lambda: mailbox.to("dana@acme.example"))
    assert len(messages) == 1 and "/invite/" in messages[0].text
    page = staff_client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert "Invited on" in page and "(delivered)" in page and "Resend invitation" in page


def test_duplicate_contact_email_is_a_form_error(staff_client, make, shop):
    customer = make.customer(shop)
    make.contact(customer, email="dana@acme.example")
    response = staff_client.post_form(f"/staff/customers/{customer.id}/contacts/new", {
        "name": "Dana Again", "email": "DANA@acme.example"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "already has a contact with that email" in body and 'value="Dana Again"' in body


def test_contact_name_with_line_break_is_refused(staff_client, make, shop):
    customer = make.customer(shop)
    response = staff_client.post_form(f"/staff/customers/{customer.id}/contacts/new", {
        "name": "Dana\r\nBcc: victim@example.com", "email": "d@acme.example"})
    assert response.status_code == 422
    assert "single line" in response.get_data(as_text=True)


def test_invite_button_over_htmx_returns_contacts_panel(staff_client, make, shop, mailbox):
    customer = make.customer(shop)
    contact = make.contact(customer, name="Lee Park")
    token = staff_client.csrf_token()
    response = staff_client.post(f"/staff/contacts/{contact.id}/invite",
                                 data={"csrf_token": token}, headers=HTMX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section class="card" id="contacts">')
    assert "Invitation sent to" in text and "Resend invitation" in text
    assert wait_for(lambda: mailbox.to(contact.email))


def test_resend_cancels_the_older_link(staff_client, make, shop, mailbox, client):
    customer = make.customer(shop)
    contact = make.contact(customer)
    staff_client.post_form(f"/staff/contacts/{contact.id}/invite")
    staff_client.post_form(f"/staff/contacts/{contact.id}/invite")
    messages = wait_for(lambda: len(mailbox.to(contact.email)) == 2 and mailbox.to(contact.email))
    first, second = (re.search(r"/invite/\S+", m.text).group(0) for m in messages)
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_changing_email_cancels_links_and_invites_new_address(staff_client, make, shop, mailbox,
                                                              read):
    customer = make.customer(shop)
    contact = make.active_contact(customer, email="old@acme.example", name="Dana")
    response = staff_client.post_form(f"/staff/contacts/{contact.id}/edit", {
        "name": "Dana", "email": "new@acme.example", "phone": ""})
    assert response.status_code == 303
    assert wait_for(lambda: mailbox.to("new@acme.example"))
    saved = read(lambda: db.session.get(Contact, contact.id))
    assert saved.email == "new@acme.example" and saved.portal_user_id is None
    assert saved.portal_state == "invited"
    # the old address's login no longer reaches this customer
    other = staff_client.application.test_client()
    response = other.post_form("/login", {"email": "old@acme.example", "password": PASSWORD})
    assert response.status_code == 422


def test_password_reset_for_active_and_not_yet_active_contacts(staff_client, make, shop, mailbox):
    customer = make.customer(shop)
    active = make.active_contact(customer)
    invited = make.contact(customer)
    staff_client.post_form(f"/staff/contacts/{active.id}/password-reset")
    staff_client.post_form(f"/staff/contacts/{invited.id}/password-reset")
    assert "/reset/" in wait_for(lambda: mailbox.to(active.email))[0].text
    assert "/invite/" in wait_for(lambda: mailbox.to(invited.email))[0].text


def test_disable_and_remove_contact(staff_client, make, shop, app, read):
    client = app.test_client()  # the customer's own browser
    customer = make.customer(shop)
    contact = make.active_contact(customer)
    staff_client.post_form(f"/staff/contacts/{contact.id}/disable")
    page = staff_client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert "Portal access disabled" in page and "Enable portal access" in page
    response = client.post_form("/login", {"email": contact.email, "password": PASSWORD})
    assert response.status_code == 422
    staff_client.post_form(f"/staff/contacts/{contact.id}/enable")
    client.login_portal(contact.email, PASSWORD)
    staff_client.post_form(f"/staff/contacts/{contact.id}/remove")
    assert read(lambda: db.session.get(Contact, contact.id)) is None
    assert client.get("/").status_code == 302  # the live session ended with the contact


def test_locations_add_and_edit(staff_client, make, shop, read):
    customer = make.customer(shop)
    response = staff_client.post_form(f"/staff/customers/{customer.id}/locations/new",
                                      {"name": "", "address": "12 Dock St"})
    assert response.status_code == 422 and "12 Dock St" in response.get_data(as_text=True)
    staff_client.post_form(f"/staff/customers/{customer.id}/locations/new",
                           {"name": "North yard", "address": "12 Dock St"})
    location = read(lambda: db.session.scalar(select(Location)))
    staff_client.post_form(f"/staff/locations/{location.id}/edit",
                           {"name": "North yard (gate 2)", "address": "12 Dock St"})
    page = staff_client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert "North yard (gate 2)" in page


def test_email_log_filters_by_status_and_domain(staff_client, make, shop, mailbox, read):
    customer = make.customer(shop)
    ok = make.contact(customer, email="a@good.example")
    bad = make.contact(customer, email="b@bad.example")
    mailbox.refused.add("b@bad.example")
    staff_client.post_form(f"/staff/contacts/{ok.id}/invite")
    staff_client.post_form(f"/staff/contacts/{bad.id}/invite")
    wait_for(lambda: read(lambda: db.session.scalar(
        select(OutboundEmail.status).where(OutboundEmail.recipient == "b@bad.example"))) == "failed")
    failed = staff_client.get("/staff/email-log?status=failed").get_data(as_text=True)
    assert "b@bad.example" in failed and "a@good.example" not in failed.split("log-results")[1]
    assert "bad.example</a>: 1 failed" in failed
    by_domain = staff_client.get("/staff/email-log?domain=good.example").get_data(as_text=True)
    assert "a@good.example" in by_domain and "b@bad.example" not in by_domain.split("log-results")[1]
    junk = staff_client.get("/staff/email-log?status=%27;drop&domain=%00")
    assert junk.status_code == 200


@pytest.fixture
def no_mail_server(app):
    app.config["MAIL_SERVER"] = ""
    yield app
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["PORTAL_ENV"] = "test"


def _log_after_invite(app, make, shop, role: str, env: str) -> str:
    user = make.staff(shop, role=role)
    contact = make.contact(make.customer(shop))
    client = app.test_client()
    client.login_staff(user.email, PASSWORD)
    app.config["PORTAL_ENV"] = env
    assert client.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303
    log = client.get("/staff/email-log").get_data(as_text=True)
    assert "Password reset" not in log
    return log


def test_in_development_administrators_see_queued_bodies(no_mail_server, make, shop):
    page = _log_after_invite(no_mail_server, make, shop, "admin", "development")
    assert "Development mode without a mail server" in page
    assert re.search(r'<a href="http://portal.test/invite/[\w-]+">', page)


@pytest.mark.parametrize("role, env", [("staff", "development"), ("staff", "production"),
                                       ("admin", "production")])
def test_nobody_else_sees_a_live_link_in_the_log(no_mail_server, make, shop, role, env):
    """A Staff user could send a customer a reset and follow it from the log: never."""
    page = _log_after_invite(no_mail_server, make, shop, role, env)
    assert "/invite/" not in page and "Show message" not in page
    assert "Emails are not being sent" in page  # and the log says why nothing arrives


def test_staff_cannot_follow_a_customer_reset_from_the_log(no_mail_server, make, shop):
    staff = make.staff(shop, role="staff")
    contact = make.active_contact(make.customer(shop), email="dana@acme.example")
    client = no_mail_server.test_client()
    client.login_staff(staff.email, PASSWORD)
    no_mail_server.config["PORTAL_ENV"] = "production"
    assert client.post_form(f"/staff/contacts/{contact.id}/password-reset").status_code == 303
    for path in ("/staff/email-log", "/staff/email-log?status=queued", "/staff/",
                 f"/staff/customers/{contact.customer_id}"):
        body = client.get(path).get_data(as_text=True)
        assert "/reset/" not in body, path
    assert "Emails are not being sent" in client.get("/staff/").get_data(as_text=True)


def test_staff_cannot_see_other_shops_customer(staff_client, make):
    other = make.customer(make.shop("Elsewhere"))
    assert staff_client.get(f"/staff/customers/{other.id}").status_code == 404


def test_tokens_table_never_holds_the_raw_link(staff_client, make, shop, mailbox, read):
    contact = make.contact(make.customer(shop))
    staff_client.post_form(f"/staff/contacts/{contact.id}/invite")
    raw = re.search(r"/invite/(\S+)", wait_for(lambda: mailbox.to(contact.email))[0].text).group(1)
    stored = read(lambda: db.session.scalar(select(Token.token_hash)))
    assert raw not in stored and len(stored) == 64
    sent = read(lambda: db.session.scalar(select(OutboundEmail)))
    assert sent.status == "sent" and sent.body_text is None  # delivered bodies are cleared


def test_a_contacts_page_shows_its_email_history_delivered_or_failed(staff_client, make, shop,
                                                                    mailbox, read):
    """FAQ troubleshooting 3: invitations, resets and invoices to one person, and why not."""
    customer = make.customer(shop, "Acme")
    good = make.active_contact(customer, email="dana@acme.example", is_billing=True)
    bad = make.contact(customer, email="bounce@acme.example")
    mailbox.refused.add("bounce@acme.example")
    staff_client.post_form(f"/staff/contacts/{good.id}/password-reset")
    staff_client.post_form(f"/staff/contacts/{bad.id}/invite")
    wait_for(lambda: read(lambda: db.session.scalar(select(OutboundEmail.status).where(
        OutboundEmail.recipient == "bounce@acme.example"))) == "failed")
    wait_for(lambda: mailbox.to("dana@acme.example"))
    history = staff_client.get(f"/staff/contacts/{good.id}").get_data(as_text=True).split(
        'id="email-history"')[1]
    assert "portal password" in history and "Delivered" in history
    assert "bounce@acme.example" not in history
    page = staff_client.get(f"/staff/contacts/{bad.id}").get_data(as_text=True)
    assert "Failed" in page and "Refused by the recipient&#39;s mail server" in page
    assert f'href="/staff/contacts/{bad.id}"' in staff_client.get(
        f"/staff/customers/{customer.id}").get_data(as_text=True)
    other = make.contact(make.customer(make.shop("Elsewhere")))
    assert staff_client.get(f"/staff/contacts/{other.id}").status_code == 404
