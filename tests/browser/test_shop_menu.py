"""The console's shop menu in Chromium (issue 10, FAQ 2): the shop's name at the top right opens
a menu with Customer Portal, Settings, Users and Log out; "Customer Portal" is a plain link that
opens a new tab even with Chromium's pop-up blocker on; the menu works with JavaScript off and
on a 360 x 640 phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TIMEOUT_MS, login_staff


def open_menu(page) -> None:
    """Press the shop's name at the top right (the menu's <summary>)."""
    summary = page.locator("header details.shop-menu > summary")
    expect(summary).to_have_text("Harbor Diesel Service")
    summary.click()


@pytest.fixture
def shop_world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    make.customer(shop, "Acme Logistics")
    return shop, admin


@pytest.fixture
def blocking_browser(browser):
    """Chromium as people run it: Playwright turns the pop-up blocker off by default, so this
    launch keeps Chromium's own default (blocking on)."""
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                           ignore_default_args=["--disable-popup-blocking"])
    yield chromium
    chromium.close()


def test_customer_portal_opens_a_new_tab_with_the_pop_up_blocker_on(blocking_browser,
                                                                    live_server, shop_world):
    _, admin = shop_world
    context = blocking_browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    login_staff(page, admin.email)
    # the blocker is really on: a page whose script opens a window by itself is refused
    probe = context.new_page()
    probe.route("**/popup-probe", lambda route: route.fulfill(
        content_type="text/html",
        body="<script>window.refused = window.open('/staff/preview') === null</script>"))
    probe.goto("/popup-probe")
    assert probe.evaluate("() => window.refused") is True
    probe.close()
    assert len(context.pages) == 1
    open_menu(page)
    link = page.get_by_role("link", name="Customer Portal")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener")
    with context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert re.search(r"/staff/preview$", tab.url)
    expect(tab.get_by_role("heading", level=1)).to_have_text("Preview as customer")
    tab.get_by_role("button", name=re.compile("Acme Logistics")).click()
    expect(tab.locator(".preview-banner")).to_contain_text("Acme Logistics")
    assert page.url.endswith("/staff/")  # the console stays where it was
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_the_shop_menu_works_on_a_phone_with_and_without_javascript(new_context, shop_world,
                                                                   javascript):
    _, admin = shop_world
    page = new_context(java_script_enabled=javascript, **PHONE).new_page()
    login_staff(page, admin.email)
    menu = page.locator("details.shop-menu")
    expect(menu.get_by_role("link", name="Settings")).to_be_hidden()
    open_menu(page)
    for name in ("Customer Portal", "Settings", "Users"):
        item = menu.get_by_role("link", name=name)
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (name, box)
        assert box["height"] >= 44, (name, box)  # a tap target
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    menu.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    open_menu(page)
    page.locator("details.shop-menu").get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/staff/login$"))
