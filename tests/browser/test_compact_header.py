"""The compact header and the preview in Chromium (issue 19 items 5 and 7).

At 360 x 640 the portal's and the console's header are at most 64 px high; the sections sit
behind a Menu (<details>: works with JavaScript off) that names the current section. On a desktop
the sections stand in the bar and the Menu button is not shown. See as customer opens the
customer's portal in a new tab with the preview banner, and a refused write there leads back.
Each page is screenshot, and checked by axe-core and the Nu Html Checker.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import SCREENSHOTS, Camera


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz")
    make.invoice(acme, number="INV-0042")
    return shop, admin, acme, dana


def shoot(camera, page, javascript: bool, name: str, heading: str) -> None:
    """Screenshot and check a page; axe and the overflow check need JavaScript, so a page opened
    with it off gets its screenshot and heading check only."""
    if javascript:
        camera.shoot(page, "phone", name, heading)
    else:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-nojs-phone.png"), full_page=True)


def header_height(page) -> float:
    return page.locator("header").bounding_box()["height"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_phone_header_is_one_row_and_menu_opens_the_sections(new_context, watch, world,
                                                              tmp_path, javascript):
    _, admin, _, dana = world
    camera = Camera(watch, tmp_path)
    portal = camera.open(new_context, java_script_enabled=javascript, **PHONE)
    login_portal(portal, dana.email)
    portal.goto("/invoices")
    assert header_height(portal) <= 64
    menu = portal.locator("header details.sections")
    expect(menu.locator("summary")).to_have_text(re.compile(r"^Menu\s*Invoices$"))
    invoices_link = menu.get_by_role("link", name="Assets")
    expect(invoices_link).to_be_hidden()
    menu.locator("summary").click()
    for name in ("Home", "Invoices", "Estimates", "Work orders", "Requests", "Assets"):
        link = menu.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 360, name
    expect(menu.get_by_role("link", name="Invoices", exact=True)).to_have_attribute(
        "aria-current", "page")
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    shoot(camera, portal, javascript, "header-portal-menu", "Invoices")
    menu.get_by_role("link", name="Assets", exact=True).click()
    expect(portal).to_have_url(re.compile(r"/assets$"))
    expect(portal.locator("header details.sections summary")).to_have_text(
        re.compile(r"^Menu\s*Assets$"))

    console = camera.open(new_context, java_script_enabled=javascript, **PHONE)
    login_staff(console, admin.email)
    assert header_height(console) <= 64
    menu = console.locator("header details.sections")
    expect(menu.locator("summary")).to_have_text(re.compile(r"^Menu\s*Dashboard$"))
    menu.locator("summary").click()
    for name in ("Customers", "Invoices", "Estimates", "Work orders", "Requests"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    shoot(camera, console, javascript, "header-console-menu", "Harbor Diesel Service")
    menu.get_by_role("link", name="Customers", exact=True).click()
    expect(console.get_by_role("heading", level=1)).to_have_text("Customers")
    assert header_height(console) <= 64
    if javascript:
        camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_desktop_header_shows_the_sections_without_a_menu_button(new_context, watch, world,
                                                                 tmp_path):
    _, admin, _, dana = world
    camera = Camera(watch, tmp_path)
    portal = camera.open(new_context, **DESKTOP)
    login_portal(portal, dana.email)
    expect(portal.locator("header details.sections summary")).to_be_hidden()
    nav = portal.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Invoices", exact=True)).to_be_visible()
    expect(portal.locator("header").get_by_role("button", name="Log out")).to_be_visible()
    assert header_height(portal) <= 64
    camera.shoot(portal, "desktop", "header-portal", re.compile("Hello"))
    console = camera.open(new_context, **DESKTOP)
    login_staff(console, admin.email)
    expect(console.locator("header details.sections summary")).to_be_hidden()
    expect(console.get_by_role("navigation", name="Console").get_by_role(
        "link", name="Customers", exact=True)).to_be_visible()
    camera.shoot(console, "desktop", "header-console", "Harbor Diesel Service")
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_see_as_customer_opens_the_preview_and_a_refused_write_leads_back(new_context, watch,
                                                                          world, tmp_path):
    _, admin, acme, _ = world
    camera = Camera(watch, tmp_path)
    page = camera.open(new_context, **PHONE)
    login_staff(page, admin.email)
    page.goto(f"/staff/customers/{acme.id}")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="See as customer").click()
    tab = opened.value
    camera.watch(tab)
    tab.wait_for_load_state()
    expect(tab.locator(".preview-banner")).to_contain_text("Acme Logistics")
    assert header_height(tab) <= 64
    camera.shoot(tab, "phone", "preview-home", "Acme Logistics")
    tab.goto("/assets/new")
    tab.get_by_label("Unit Number").fill("T-900")
    camera.watches[id(tab)].expected_statuses.add(403)
    tab.get_by_role("button", name=re.compile("^(Save|Add) asset")).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Nothing can be changed in a preview")
    camera.shoot(tab, "phone", "preview-refused", "Nothing can be changed in a preview")
    tab.locator(".preview-banner").get_by_role("button", name="End preview").click()
    expect(tab).to_have_url(re.compile(r"/staff/preview$"))
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
