"""The service request form in Chromium, with JavaScript on (htmx saves every change) and off
(the "Update" button): no field is ever cleared by another, and a reload restores the draft."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal_app.models import utcnow
from tests.browser.conftest import login_portal

pytestmark = pytest.mark.browser


@pytest.fixture
def acme(make):
    shop = make.shop("Harbor Diesel")
    make.staff(shop, email="sam@harbor.example")
    acme = make.customer(shop, "Acme Logistics")
    depot, yard = make.location(acme, "Main depot"), make.location(acme, "North yard")
    for unit, site in (("T-101", depot), ("T-102", depot), ("T-201", yard)):
        make.asset(acme, unit, site, make="Freightliner", model="M2")
    return make.active_contact(acme, name="Dana Ortiz")


def _asset_options(page) -> list[str]:
    return [text.split(" ·")[0] for text in page.locator("#asset option").all_inner_texts()]


def _pick_asset(page, unit: str) -> None:
    value = page.locator("#asset option", has_text=unit).get_attribute("value")
    page.get_by_label("Asset").select_option(value)


def _saved(page):
    """Wait for the draft save a change triggers."""
    return page.expect_response(lambda r: r.url.endswith("/requests/new/draft"))


def _update(page, js: bool):
    """JavaScript off: press "Update" (the page comes back from the server)."""
    if not js:
        page.get_by_role("button", name="Update").click()
        expect(page).to_have_url(re.compile(r"/requests/new$"))


def _check_state(page, location: str, asset: str | None, date: str, description: str):
    expect(page.get_by_label("Location")).to_have_value(
        page.locator("#location_id option", has_text=location).get_attribute("value"))
    if asset is not None:
        selected = page.locator("#asset option:checked").inner_text()
        assert selected.startswith(asset), selected
    expect(page.get_by_label("Desired service date")).to_have_value(date)
    expect(page.get_by_label("Description")).to_have_value(description)


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_request_form_keeps_every_field(js, new_context, watch, live_server, acme, read):
    page = new_context(java_script_enabled=js).new_page()
    console = watch(page)
    login_portal(page, acme.email)
    page.goto("/requests/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request service")
    date = (utcnow() + timedelta(days=7)).date().isoformat()

    # Location, then asset, then date, then description.
    if js:
        with _saved(page):
            page.get_by_label("Location").select_option(label="Main depot")
        expect(page.locator("#asset option", has_text="T-201")).to_have_count(0)
    else:
        page.get_by_label("Location").select_option(label="Main depot")
        _update(page, js)
    assert _asset_options(page) == ["No particular unit", "T-101", "T-102", "Asset not listed"]
    if js:
        with _saved(page):
            _pick_asset(page, "T-102")
        with _saved(page):
            page.get_by_label("Desired service date").fill(date)
        page.get_by_label("Description").fill("Air leak at the rear axle")
        with _saved(page):
            page.get_by_label("Urgency").select_option("soon")  # also blurs the description
    else:
        _pick_asset(page, "T-102")
        page.get_by_label("Desired service date").fill(date)
        page.get_by_label("Description").fill("Air leak at the rear axle")
        page.get_by_label("Urgency").select_option("soon")
        _update(page, js)
    _check_state(page, "Main depot", "T-102", date, "Air leak at the rear axle")

    # A reload (or coming back later) shows the draft as it was.
    page.reload()
    _check_state(page, "Main depot", "T-102", date, "Air leak at the rear axle")
    expect(page.get_by_label("Urgency")).to_have_value("soon")

    # Another location: the asset list follows, date and description stay.
    if js:
        with _saved(page):
            page.get_by_label("Location").select_option(label="North yard")
        expect(page.locator("#asset option", has_text="T-102")).to_have_count(0)
    else:
        page.get_by_label("Location").select_option(label="North yard")
        _update(page, js)
    assert _asset_options(page) == ["No particular unit", "T-201", "Asset not listed"]
    _check_state(page, "North yard", "No particular unit", date, "Air leak at the rear axle")

    # Choosing an asset of the other location brings its location along (JS: in place).
    page.goto("/requests/new")
    if js:
        page.get_by_label("Location").select_option("")
        expect(page.locator("#asset option", has_text="T-101")).to_have_count(1)
        with _saved(page):
            _pick_asset(page, "T-101")
        _check_state(page, "Main depot", "T-101", date, "Air leak at the rear axle")

    page.get_by_role("button", name="Submit request").click()
    expect(page).to_have_url(re.compile(r"/requests/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Request #\d+"))
    page.goto("/requests/new")
    expect(page.get_by_label("Description")).to_have_value("")
    assert not console.take()
