"""Setting up online payments in Chromium: an Administrator presses "Set up online payments",
lands on the (fake) Stripe onboarding page, leaves it early, comes back to "Continue setup",
submits the details and reads Active. The payment settings page is screenshotted in each state
at desktop (1280) and phone (360x640) size and checked with axe and vnu (see
test_screenshots.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_staff
from tests.browser.test_screenshots import Camera
from tests.conftest import wait_for

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_administrator_sets_up_online_payments(js, make, new_context, watch, fake_stripe,
                                               live_server, read):
    fake_stripe.webhook_url = live_server.url + "/webhooks/stripe"
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez")
    page = new_context(java_script_enabled=js).new_page()
    console = watch(page)
    login_staff(page, admin.email)
    page.goto("/staff/settings/payments")
    expect(page.get_by_role("textbox")).to_have_count(0)  # nowhere to type an account id

    page.get_by_role("button", name="Set up online payments").click()
    expect(page).to_have_title("Fake onboarding")
    (account_id,) = fake_stripe.created_accounts
    expect(page.locator("body")).to_contain_text(account_id)
    page.get_by_role("link", name="Return to the platform").click()  # left before finishing
    expect(page.locator(".flashes")).to_contain_text("Back from Stripe. The account is Restricted")
    expect(page.locator(".stripe-status h2")).to_contain_text("Restricted")

    page.get_by_role("button", name="Continue setup").click()
    expect(page).to_have_title("Fake onboarding")
    page.get_by_role("button", name="Submit details").click()
    expect(page.locator(".flashes")).to_contain_text(
        "Online payments are set up: Stripe says the account is Active.")
    expect(page.locator(".stripe-status h2")).to_contain_text("Active")
    expect(page.get_by_role("button", name="Continue setup")).to_have_count(0)
    assert wait_for(lambda: ("account.updated", 200) in fake_stripe.deliveries)
    assert len(fake_stripe.created_accounts) == 1
    assert console.take() == []


def test_screenshots_of_payment_setup(make, new_context, watch, fake_stripe, live_server,
                                      tmp_path):
    camera = Camera(watch, tmp_path)
    for size, options in (("desktop", DESKTOP), ("phone", PHONE)):
        shop = make.shop("Harbor Diesel Service", slug=f"harbor-diesel-{size}")
        admin = make.staff(shop, role="admin", name="Ava Alvarez")
        page = camera.open(new_context, **options)
        login_staff(page, admin.email)
        page.goto("/staff/settings/payments")
        camera.shoot(page, size, "staff-24-payment-settings-not-set-up", "Payment settings")
        page.get_by_role("button", name="Set up online payments").click()
        expect(page).to_have_title("Fake onboarding")
        page.get_by_role("link", name="Return to the platform").click()
        expect(page.get_by_role("button", name="Continue setup")).to_be_visible()
        camera.shoot(page, size, "staff-25-payment-settings-continue-setup", "Payment settings")
        page.get_by_role("button", name="Continue setup").click()
        page.get_by_role("button", name="Submit details").click()
        expect(page.locator(".stripe-status h2")).to_contain_text(re.compile("Active"))
        camera.shoot(page, size, "staff-26-payment-settings-set-up", "Payment settings")
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
    assert camera.count == 6
