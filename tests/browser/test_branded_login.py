"""Branding on every way in, and the console's Forgot password?, in Chromium (issue 19 items 3
and 10).

A customer logs in on a 360 x 640 phone (and on a desktop), presses Log out, and the login page
shows the shop's name and wears its brand colour (the header's computed background), where
`/login` alone is the neutral page. A staff member follows Forgot password? from the staff
login, gets the link by email (the real SMTP test server), chooses a new password and is in the
console. Each page is screenshot at both sizes and checked by axe-core and the Nu Html Checker.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_screenshots import SIZES, Camera
from tests.conftest import wait_for
from tests.factories import PASSWORD

SHOP = "Harbor Diesel Service"
BRAND = "#7a2e5c"
BRAND_RGB = "rgb(122, 46, 92)"
NEUTRAL_RGB = "rgb(31, 95, 139)"  # #1f5f8b, the portal's own colour
NEW_PASSWORD = "lantern orbit cactus harbor"


@pytest.fixture
def world(make):
    shop = make.shop(SHOP, slug="harbor-diesel", brand_color=BRAND)
    acme = make.customer(shop, "Acme Logistics")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz")
    sam = make.staff(shop, role="staff", name="Sam Service", email="sam@harbor.example")
    return shop, dana, sam


def header_colour(page) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('header.bar'))"
                         ".backgroundColor")


def log_out(page) -> None:
    """Press Log out, in the header's Menu on a phone (a <details>: open it first)."""
    button = page.locator("header").get_by_role("button", name="Log out")
    if not button.is_visible():
        page.locator("header details.sections > summary").click()
    button.click()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_log_out_shows_the_shops_login_page(new_context, watch, world, tmp_path, size):
    camera = Camera(watch, tmp_path)
    page = camera.open(new_context, **SIZES[size])
    page.goto("/login")
    expect(page.locator("header .brand")).to_have_text("Customer Portal")
    assert header_colour(page) == NEUTRAL_RGB  # /login alone stays neutral
    camera.shoot(page, size, "login-neutral", "Log in")
    page.get_by_label("Email").fill("dana@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    assert header_colour(page) == BRAND_RGB

    log_out(page)
    expect(page).to_have_url(re.compile(r"/login\?shop=harbor-diesel$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.locator("header .brand")).to_have_text(SHOP)
    expect(page.locator("main")).to_contain_text(f"to the customer portal of {SHOP}.")
    expect(page.locator("main")).to_contain_text("You're logged out.")
    assert header_colour(page) == BRAND_RGB
    assert page.evaluate("getComputedStyle(document.querySelector('main .btn.primary'))"
                         ".backgroundColor") == BRAND_RGB
    assert page.title() == f"Log in · {SHOP}"
    camera.shoot(page, size, "login-after-logout", "Log in")

    # Forgot password? from there keeps the brand, and so does its way back
    page.get_by_role("link", name="Forgot password?").click()
    expect(page).to_have_url(re.compile(r"/forgot-password\?shop=harbor-diesel$"))
    assert header_colour(page) == BRAND_RGB
    camera.shoot(page, size, "forgot-password-branded", "Forgot your password?")
    page.get_by_role("link", name="Back to log in").click()
    expect(page).to_have_url(re.compile(r"/login\?shop=harbor-diesel$"))
    assert header_colour(page) == BRAND_RGB
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_staff_forgot_password_in_the_browser(new_context, watch, world, mailbox, tmp_path,
                                              size):
    _, _, sam = world
    camera = Camera(watch, tmp_path)
    page = camera.open(new_context, **SIZES[size])
    page.goto("/staff/login")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page).to_have_url(re.compile(r"/staff/forgot-password$"))
    camera.shoot(page, size, "staff-forgot-password", "Forgot your password?")
    page.get_by_label("Email").fill("not an address")
    camera.watches[id(page)].expected_statuses.add(422)  # the refused form's answer
    page.get_by_role("button", name="Send reset link").click()
    expect(page.locator("main")).to_contain_text("Enter an email address like")
    camera.shoot(page, size, "staff-forgot-password-refused", "Forgot your password?")
    page.get_by_label("Email").fill(sam.email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text("has a staff login")
    camera.shoot(page, size, "staff-forgot-password-sent", "Check your email")

    messages = wait_for(lambda: mailbox.to(sam.email), timeout=10)
    assert messages, "no reset email reached the staff member"
    link = re.search(r"https?://\S+/staff/reset/[\w-]+", messages[-1].text).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    camera.shoot(page, size, "staff-reset-password", "Choose a new password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator("main")).to_contain_text("Your password was changed.")

    camera.watches[id(page)].expected_statuses.add(410)  # the link worked once: Gone
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This password reset link has already been used")
    expect(page.get_by_role("link", name="Forgot password?")).to_have_attribute(
        "href", "/staff/forgot-password")
    camera.shoot(page, size, "staff-reset-link-used",
                 "This password reset link has already been used")
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
