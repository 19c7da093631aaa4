"""Phones (360 x 640): every asset row is a tap target of at least 44 px that nothing covers,
on the assets page and on the pages that list assets next to requests, and a tap opens it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login_portal

pytestmark = pytest.mark.browser

ROW_AT_CENTRE = """(row) => {
    const box = row.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return {height: box.height, width: box.width, mine: !!hit && row.contains(hit)};
}"""


@pytest.fixture
def dana(make):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    depot, yard = make.location(acme, "Main depot"), make.location(acme, "North yard")
    contact = make.active_contact(acme, name="Dana Ortiz")
    units = [make.asset(acme, f"T-{100 + n}", depot if n % 2 else yard,
                        make="Freightliner", model="Cascadia Evolution 126 sleeper cab")
             for n in range(8)]
    for unit in units[:3]:
        make.service_request(contact, depot, unit, description="Annual inspection")
    return contact, units


def _check_rows(page, path: str, link: re.Pattern) -> int:
    """Every row on path: 44 px or taller, its centre belongs to it, a tap opens its target."""
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width} px wide: the phone zooms out and taps miss"
    count = page.locator("a.row").count()
    for index in range(count):
        if index:
            page.goto(path)
        row = page.locator("a.row").nth(index)
        row.scroll_into_view_if_needed()
        geometry = row.evaluate(ROW_AT_CENTRE)
        assert geometry["height"] >= 44, (path, index, geometry)
        assert geometry["width"] >= 280, (path, index, geometry)  # the full width of its list
        assert geometry["mine"], f"{path}: something covers row {index}"
        href = row.get_attribute("href")
        row.tap()
        expect(page).to_have_url(re.compile(re.escape(href) + "$"))
        assert link.search(href), href
    return count


def test_every_asset_row_is_a_tap_target_on_a_phone(new_context, watch, dana):
    contact, units = dana
    page = new_context(**PHONE).new_page()
    console = watch(page)
    login_portal(page, contact.email)
    assert _check_rows(page, "/assets", re.compile(r"^/assets/\d+$")) == len(units)
    # the asset page lists requests next to the asset; the request list names assets
    assert _check_rows(page, f"/assets/{units[1].id}", re.compile(r"^/requests/\d+$")) == 1
    assert _check_rows(page, "/requests", re.compile(r"^/requests/\d+$")) == 3
    assert not console.take()


def test_asset_search_swaps_the_results_in_place(new_context, watch, dana):
    contact, units = dana
    page = new_context().new_page()
    console = watch(page)
    login_portal(page, contact.email)
    page.goto("/assets")
    expect(page.locator("a.row")).to_have_count(len(units))
    with page.expect_response(lambda r: "/assets?" in r.url and
                              r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Search").fill("t-103")
    expect(page.locator("a.row")).to_have_count(1)
    expect(page.locator("a.row")).to_contain_text("T-103")
    expect(page).to_have_url(re.compile(r"/assets\?q=t-103"))
    page.reload()  # the pushed URL is a real page
    expect(page.locator("a.row")).to_have_count(1)
    assert not console.take()
