"""The customer's account page in Chromium (issue 19 items 2, 8 and 9), at 360 x 640 and
1280 x 800, and with JavaScript off: the header's name leads to /account; Change
password logs the other browser out and keeps this one; a wrong current password is said next
to its field; Log out other sessions; the email choices stick. The invitation of an address that
has a login asks for its password; a console document page says who gets its emails, or that
nobody can, with the link to invite one. Every page is screenshot and checked by axe-core and
the Nu Html Checker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import Camera
from tests.conftest import wait_for
from tests.factories import PASSWORD

NEW_PASSWORD = "lantern orbit cactus harbor"


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel", timezone="America/Chicago")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)
    return shop, admin, acme, dana


def test_account_page_password_sessions_and_choices(new_context, watch, world, tmp_path):
    _, _, _, dana = world
    camera = Camera(watch, tmp_path)
    phone = camera.open(new_context, **PHONE)
    desktop = camera.open(new_context, **DESKTOP)
    # axe needs JavaScript: the JavaScript-off browser is checked by what it does, not shot
    plain = new_context(java_script_enabled=False, **PHONE).new_page()
    for page in (plain, phone, desktop):
        login_portal(page, dana.email)

    # the header's name leads to the account page (on a phone, inside the Menu); the email
    # choices are saved with JavaScript off
    plain.locator("header details.sections summary").click()
    plain.locator("header").get_by_role("link", name="Dana Ortiz").click()
    expect(plain).to_have_url(re.compile(r"/account$"))
    plain.get_by_label("Replies from the shop").uncheck()
    plain.get_by_role("button", name="Save choices").click()
    expect(plain.get_by_text("Your email choices are saved.")).to_be_visible()
    expect(plain.get_by_label("Replies from the shop")).not_to_be_checked()
    expect(plain.get_by_label("New invoices and payment receipts")).to_be_checked()

    phone.locator("header details.sections summary").click()
    phone.locator("header").get_by_role("link", name="Dana Ortiz").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(phone.get_by_text("This session")).to_have_count(1)
    expect(phone.get_by_label("Replies from the shop")).not_to_be_checked()
    camera.shoot(phone, "phone", "account", "Your account")

    desktop.goto("/account")
    expect(desktop.locator("#sessions li")).to_have_count(3)
    expect(desktop.get_by_role("button", name="Log out other sessions")).to_be_visible()
    expect(desktop.get_by_role("button", name=re.compile(r"^End session"))).to_have_count(2)
    camera.shoot(desktop, "desktop", "account", "Your account")

    # a wrong current password: the message next to the field
    camera.watches[id(desktop)].expected_statuses.add(422)  # the refused form's status
    desktop.get_by_label("Current password").fill("not the password at all")
    desktop.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    desktop.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    desktop.get_by_role("button", name="Change password").click()
    expect(desktop.locator("#current_password-msg")).to_have_text(
        "That is not your current password.")
    expect(desktop.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    camera.shoot(desktop, "desktop", "account-wrong-password", "Your account")
    phone.goto("/account")
    camera.watches[id(phone)].expected_statuses.add(422)
    phone.get_by_role("button", name="Change password").click()  # nothing typed
    expect(phone.locator("#current_password-msg")).to_have_text("Enter your current password.")
    camera.shoot(phone, "phone", "account-password-missing", "Your account")

    # the right one: this browser stays, the other two are logged out
    desktop.get_by_label("Current password").fill(PASSWORD)
    desktop.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    desktop.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    desktop.get_by_role("button", name="Change password").click()
    expect(desktop.get_by_text("Your password was changed.")).to_be_visible()
    expect(desktop.locator("#sessions li")).to_have_count(1)
    camera.shoot(desktop, "desktop", "account-password-changed", "Your account")
    for other in (phone, plain):
        other.goto("/account")
        expect(other).to_have_url(re.compile(r"/login"))

    # Log out other sessions, with JavaScript off: the desktop and the phone are logged out
    login_portal(phone, dana.email, NEW_PASSWORD)
    login_portal(plain, dana.email, NEW_PASSWORD)
    plain.goto("/account")
    plain.get_by_role("button", name="Log out other sessions").click()
    expect(plain.get_by_text("2 other sessions were logged out.")).to_be_visible()
    expect(plain.locator("#sessions li")).to_have_count(1)
    for other in (desktop, phone):
        other.reload()
        expect(other).to_have_url(re.compile(r"/login"))
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_an_invitation_to_an_existing_login_asks_for_its_password(new_context, watch, world,
                                                                   make, mailbox, tmp_path):
    shop, admin, _, dana = world
    camera = Camera(watch, tmp_path)
    birch = make.customer(shop, "Birch Construction")
    bare = make.customer(shop, "Cedar Haulage")
    make.contact(bare, name="Chris Cedar", email="chris@cedar.example")
    estimate = make.estimate(bare, status="draft", number="EST-0042")
    console = camera.open(new_context, **DESKTOP)
    login_staff(console, admin.email)

    # the estimate page says nobody can receive its emails, with the link to invite one
    console.goto(f"/staff/estimates/{estimate.id}")
    note = console.locator("#emails-to")
    expect(note).to_contain_text("No contact of Cedar Haulage can receive these emails")
    camera.shoot(console, "desktop", "estimate-nobody-emailed", re.compile("EST-0042"))
    note.get_by_role("link", name=re.compile("Invite a contact")).click()
    expect(console).to_have_url(re.compile(rf"/staff/customers/{bare.id}#contacts$"))

    contact = make.contact(birch, name="Dana Ortiz", email=dana.email)
    console.goto(f"/staff/customers/{birch.id}")
    console.get_by_role("button", name="Send portal invitation").click()
    message = wait_for(lambda: mailbox.to(dana.email))[0]
    link = re.search(r"(http://\S+/invite/[\w-]+)", message.text).group(1)
    assert contact.id

    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = camera.open(new_context, **options)
        page.goto(link)
        expect(page.get_by_text("already has a portal login")).to_be_visible()
        expect(page.get_by_label("New password")).to_have_count(0)
        page.get_by_label("Password").fill("a wrong guess entirely")
        camera.watches[id(page)].expected_statuses.add(422)
        page.get_by_role("button", name="Accept invitation").click()
        expect(page.locator("#password-msg")).to_contain_text(
            "That is not the password of this login.")
        camera.shoot(page, size, "invitation-existing-login",
                     "Welcome to Harbor Diesel Service")
    plain = new_context(java_script_enabled=False, **PHONE).new_page()  # and JavaScript off
    plain.goto(link)
    plain.get_by_label("Password").fill(PASSWORD)
    plain.get_by_role("button", name="Accept invitation").click()
    expect(plain.get_by_text("Birch Construction is now part of your portal login.")) \
        .to_be_visible()
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
