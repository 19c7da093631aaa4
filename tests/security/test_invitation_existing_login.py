"""Invitations never reset an existing login (issue 19 item 9): an invitation to an address
that already has a login, at any shop, asks for that login's own password; only a new address
chooses one. The link alone never opens another shop's accounts."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import Contact, LoginSession, PortalUser
from tests.conftest import wait_for
from tests.factories import PASSWORD
from tests.security.helpers import link_in

ATTACKER_PASSWORD = "shop b chose this one"


def _shops(make):
    """Dana is an active contact of Acme at shop A, with an invoice; shop B has an
    Administrator."""
    shop_a = make.shop("Harbor Diesel", slug="harbor-diesel")
    shop_b = make.shop("Summit Fleet", slug="summit-fleet")
    acme = make.customer(shop_a, "Acme Logistics")
    dana = make.active_contact(acme, email="dana@acme-logistics.example", name="Dana Reyes",
                               is_billing=True)
    invoice = make.invoice(acme, number="INV-SECRET")
    admin_b = make.staff(shop_b, role="admin", email="admin@summit.example")
    return shop_a, shop_b, dana, invoice, admin_b


def _hash(read, email: str) -> str:
    return read(lambda: db.session.scalar(select(PortalUser.password_hash).where(
        PortalUser.email == email)))


def test_the_issues_attack_an_administrator_of_another_shop_cannot_take_over_the_login(
        app, make, read, mailbox):
    """Shop B's Administrator adds Dana's address as a contact, invites it, opens the
    invitation (in development they read their shop's outgoing mail) and tries to choose a
    password, then to read Dana's invoices at shop A: nothing of it works."""
    shop_a, shop_b, dana, invoice, admin_b = _shops(make)
    before = _hash(read, dana.email)
    console = app.test_client()
    console.login_staff(admin_b.email, PASSWORD)
    customer_b = make.customer(shop_b, "Decoy Freight")
    response = console.post_form(f"/staff/customers/{customer_b.id}/contacts/new", {
        "name": "Dana Reyes", "email": dana.email, "send_invitation": "y"})
    assert response.status_code == 303
    link = link_in(mailbox, dana.email)
    attacker = app.test_client()

    page = attacker.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "already has a portal login" in html and 'name="new_password"' not in html
    assert 'autocomplete="current-password"' in html and "Forgot password?" in html
    assert attacker.get("/").status_code == 302  # the link alone logs nobody in

    chose = attacker.post_form(link, {"new_password": ATTACKER_PASSWORD,
                                      "confirm_password": ATTACKER_PASSWORD})
    assert chose.status_code == 422
    guessed = attacker.post_form(link, {"password": "perhaps this one works"})
    assert guessed.status_code == 422
    assert "That is not the password of this login." in guessed.get_data(as_text=True)

    assert _hash(read, dana.email) == before
    for client in (attacker, console):
        assert client.get("/invoices").status_code == 302
        assert client.get(f"/invoices/{invoice.id}").status_code == 302
    thief = app.test_client()
    assert thief.post_form("/login", {"email": dana.email,
                                      "password": ATTACKER_PASSWORD}).status_code == 422
    assert read(lambda: db.session.scalar(select(Contact.activated_at).where(
        Contact.customer_id == customer_b.id))) is None
    # Dana's own login is untouched: her password works, she reads her invoice
    owner = app.test_client()
    owner.login_portal(dana.email, PASSWORD)
    assert "INV-SECRET" in owner.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert not [m for m in mailbox.to(dana.email) if "password was changed" in m.subject]


def test_password_guesses_on_an_invitation_are_limited_like_logins(app, make, read, mailbox):
    _, shop_b, dana, _, admin_b = _shops(make)
    console = app.test_client()
    console.login_staff(admin_b.email, PASSWORD)
    contact = make.contact(make.customer(shop_b, "Decoy Freight"), email=dana.email)
    assert console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303
    link = link_in(mailbox, dana.email)
    attacker = app.test_client()
    for attempt in range(5):
        assert attacker.post_form(link, {"password": f"guess number {attempt}"}).status_code \
            == 422
    refused = attacker.post_form(link, {"password": PASSWORD})  # even the right one, now
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert attacker.get("/").status_code == 302


def test_the_owner_accepts_with_their_own_password_which_stays(app, make, read, mailbox):
    shop_a, shop_b, dana, _, admin_b = _shops(make)
    phone = app.test_client()
    phone.login_portal(dana.email, PASSWORD)
    before = _hash(read, dana.email)
    console = app.test_client()
    console.login_staff(admin_b.email, PASSWORD)
    contact = make.contact(make.customer(shop_b, "Cedar Haulage"), email=dana.email,
                           name="Dana Reyes")
    assert console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303
    message = wait_for(lambda: mailbox.to(dana.email))[0]
    assert "You already have a portal login" in message.text
    assert "Choose your password" not in message.text
    link = link_in(mailbox, dana.email)
    laptop = app.test_client()
    response = laptop.post_form(link, {"password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    home = laptop.get("/").get_data(as_text=True)
    assert "Cedar Haulage is now part of your portal login." in home
    assert _hash(read, dana.email) == before  # the password stays
    assert read(lambda: db.session.get(Contact, contact.id).portal_state) == "active"
    assert phone.get("/").status_code == 200  # and her other sessions carry on
    assert laptop.post_form(link, {"password": PASSWORD}).status_code == 410  # once
    accounts = laptop.get("/accounts").get_data(as_text=True)
    assert "Acme Logistics" in accounts and "Cedar Haulage" in accounts
    rows = read(lambda: db.session.scalars(select(LoginSession)).all())
    assert len(rows) == 2 and all(row.ended_at is None for row in rows)


def test_only_a_new_address_chooses_a_password(app, make, read, mailbox):
    shop_a, _, dana, _, _ = _shops(make)
    admin_a = make.staff(shop_a, role="admin", email="admin@harbor.example")
    console = app.test_client()
    console.login_staff(admin_a.email, PASSWORD)
    newcomer = make.contact(make.customer(shop_a, "Birch Construction"),
                            email="ben@birch.example", name="Ben Birch")
    assert console.post_form(f"/staff/contacts/{newcomer.id}/invite").status_code == 303
    link = link_in(mailbox, "ben@birch.example")
    assert "Choose your password" in mailbox.to("ben@birch.example")[0].text
    browser = app.test_client()
    page = browser.get(link).get_data(as_text=True)
    assert 'name="new_password"' in page and 'name="password"' not in page
    response = browser.post_form(link, {"new_password": ATTACKER_PASSWORD + " ok",
                                        "confirm_password": ATTACKER_PASSWORD + " ok"})
    assert response.status_code == 303
    assert re.match(r"\$argon2id\$", _hash(read, "ben@birch.example"))
