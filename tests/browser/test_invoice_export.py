"""Issue 20 item 4 in Chromium: the invoice list's "More filters" (Unit number, PO number, Issued
from, Issued to) at 1280x800 and 360x640, portal and console, screenshotted and checked with axe
and the Nu Html Checker (a filter typed wrong too); "Export CSV" carries the filters, after an
htmx filter change with JavaScript on and after Apply with it off, and downloads those rows."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import Camera

SIZES = {"phone": PHONE, "desktop": DESKTOP}
D = date(2024, 3, 1)


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics")
    birch = make.customer(shop, "Birch Construction & Earthworks Ltd")
    units = {n: make.asset(acme, n) for n in ("T-101", "T-102", "T-201")}
    b7 = make.asset(birch, "B-7")
    dana = make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example",
                               is_billing=True)
    for n, (unit, po, days) in enumerate([("T-101", "PO-7731", 0), ("T-102", "PO-7731", 12),
                                          ("T-201", "PO-8100", 30), ("T-101", None, 45),
                                          ("T-102", "PO-9002", 61)], start=1):
        make.invoice(acme, number=f"INV-{n:04d}", asset_id=units[unit].id, po_number=po,
                     lines=[("Brake service", 1, 48000 + n * 1000)],
                     issued_on=D + timedelta(days=days), due_on=D + timedelta(days=days + 30))
    make.invoice(birch, number="INV-0006", asset_id=b7.id, po_number="PO-7731",
                 issued_on=D + timedelta(days=3), due_on=D + timedelta(days=33))
    return {"admin": admin, "dana": dana}


def _filters_of(href: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}


def _download(page) -> list[list[str]]:
    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("invoices-")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_invoice_list_with_more_filters(new_context, watch, world, tmp_path, size):
    camera = Camera(watch, tmp_path)
    portal = camera.open(new_context, **SIZES[size])
    login_portal(portal, world["dana"].email)
    portal.goto("/invoices")
    bar = portal.locator("form.filter-bar")
    expect(bar.get_by_label("Unit number")).to_be_hidden()  # folded under "More filters"
    boxes = [bar.get_by_label("Search").bounding_box(), bar.get_by_label("Status").bounding_box(),
             bar.get_by_role("button", name="Apply").bounding_box()]
    more = bar.locator("summary", has_text="More filters").bounding_box()
    if size == "desktop":  # one row, the toggle in it
        bottoms = {round(box["y"] + box["height"]) for box in boxes + [more]}
        assert max(bottoms) - min(bottoms) <= 2, (boxes, more)
    else:  # stacked, the toggle after Apply, full width
        assert more["y"] > boxes[2]["y"] + boxes[2]["height"], (more, boxes)
        assert all(box["width"] >= 300 for box in boxes), boxes
    assert more["height"] >= 44, more
    camera.shoot(portal, size, "invoices-filters-portal", "Invoices")

    bar.locator("summary", has_text="More filters").click()
    with portal.expect_response(lambda r: "unit=T-1" in r.url):
        bar.get_by_label("Unit number").fill("T-1")
        bar.get_by_label("Unit number").press("Enter")
    expect(portal.locator("#results tbody tr")).to_have_count(4)
    with portal.expect_response(lambda r: "po=7731" in r.url):
        bar.get_by_label("PO number").fill("7731")
        bar.get_by_label("PO number").press("Enter")
    expect(portal.locator("#results tbody tr")).to_have_count(2)
    expect(portal).to_have_url(re.compile(r"unit=T-1.*po=7731"))
    for field in ("Unit number", "PO number", "Issued from", "Issued to"):
        box = bar.get_by_label(field).bounding_box()
        assert box["x"] + box["width"] <= SIZES[size]["viewport"]["width"], (field, box)
    camera.shoot(portal, size, "invoices-filters-portal-open", "Invoices")

    staff = camera.open(new_context, **SIZES[size])
    login_staff(staff, world["admin"].email)
    staff.goto("/staff/invoices?issued_from=2024-03-10&issued_to=2024-04-30")
    expect(staff.get_by_label("Issued from")).to_be_visible()  # open: filters are set
    expect(staff.locator("#results tbody tr")).to_have_count(3)  # INV-0002, 0003 and 0004
    camera.shoot(staff, size, "invoices-filters-staff", "Invoices")

    # From after to: the summary first, the message at the field, what was typed kept.
    staff.goto("/staff/invoices?issued_from=2024-05-01&issued_to=2024-04-01")
    expect(staff.locator(".error-summary")).to_be_focused()
    expect(staff.locator("#issued_to-msg")).to_contain_text("can't be before its start")
    expect(staff.get_by_label("Issued to")).to_have_value("2024-04-01")
    camera.shoot(staff, size, "invoices-filters-staff-error", "Invoices")
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_export_csv_follows_an_htmx_filter_change(new_context, watch, world):
    page = new_context(**DESKTOP).new_page()
    console = watch(page)
    login_staff(page, world["admin"].email)
    page.goto("/staff/invoices")
    link = page.get_by_role("link", name="Export CSV")
    expect(link).to_have_attribute("href", "/staff/invoices/export.csv")
    page.get_by_text("More filters").click()
    with page.expect_response(lambda r: "issued_from=2024-03-10" in r.url):
        page.get_by_label("Issued from").fill("2024-03-10")
    with page.expect_response(lambda r: "po=7731" in r.url):
        page.get_by_label("PO number").fill("7731")
        page.get_by_label("PO number").blur()
    expect(page.locator("#results tbody tr")).to_have_count(1)  # INV-0002 (Birch's is older)
    expect(link).to_have_attribute("href", re.compile(r"po=7731"))
    assert _filters_of(link.get_attribute("href")) == {"issued_from": "2024-03-10",
                                                       "po": "7731"}
    with page.expect_response(lambda r: "status=overdue" in r.url):
        page.get_by_label("Status").select_option("overdue")
    expect(link).to_have_attribute("href", re.compile(r"status=overdue"))
    rows = _download(page)
    assert rows[0][:2] == ["Customer", "Invoice number"]
    assert [(row[0], row[1], row[5]) for row in rows[1:]] == [
        ("Acme Logistics", "INV-0002", "PO-7731")]
    # A range backwards: the message comes to the field with the fragment.
    with page.expect_response(lambda r: "issued_to=2024-03-01" in r.url):
        page.get_by_label("Issued to").fill("2024-03-01")
    expect(page.locator("#issued_to-msg")).to_contain_text("can't be before its start")
    with page.expect_response(lambda r: "issued_to=2024-06-30" in r.url):
        page.get_by_label("Issued to").fill("2024-06-30")
    expect(page.locator("#issued_to-msg")).to_be_empty()
    assert console.take() == []


def test_export_csv_carries_the_filters_without_javascript(new_context, watch, world):
    page = new_context(java_script_enabled=False, **PHONE).new_page()
    console = watch(page)
    login_portal(page, world["dana"].email)
    page.goto("/invoices")
    page.get_by_text("More filters").click()
    page.get_by_label("Unit number").fill("t-10")
    page.get_by_label("Issued to").fill("2024-04-15")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"unit=t-10"))
    expect(page.get_by_label("Unit number")).to_have_value("t-10")  # kept, the details open
    link = page.get_by_role("link", name="Export CSV")
    assert _filters_of(link.get_attribute("href")) == {"unit": "t-10",
                                                       "issued_to": "2024-04-15"}
    rows = _download(page)
    assert rows[0][:4] == ["Invoice number", "Issued", "Due", "Unit number"]
    assert [(row[0], row[3]) for row in rows[1:]] == [
        ("INV-0004", "T-101"), ("INV-0002", "T-102"), ("INV-0001", "T-101")]
    assert console.take() == []
