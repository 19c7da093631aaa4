"""CSV import in Chromium (issue 20 item 5), at 360 x 640 and 1280 x 800.

An Administrator opens the import page from the Customers list, uploads a customers file with
a few bad rows, reads the preview (its errors readable on a phone: each row a card), filters it
to the errors, presses Import, then Invite imported contacts. With JavaScript off the same
forms work. Each page is screenshot and checked by axe-core and the Nu Html Checker.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_staff
from tests.browser.test_screenshots import Camera

SIZES = {"phone": PHONE, "desktop": DESKTOP}

FILE = (
    "Customer Name,Account Number,Billing Address,Contact Name,Contact Email,Contact Phone,"
    "Billing Contact,Location Name,Location Address\n"
    'Acme Logistics & Heavy Haulage of the Northern Counties,ACME-001,"100 Harbor Way\n'
    'Portland, OR 97201",Dana Ortiz,dana@acme.example,503-555-0142,yes,Main depot,'
    '"100 Harbor Way, Portland"\n'
    "Acme Logistics & Heavy Haulage of the Northern Counties,,,Sam Lee,sam@acme.example,,no,"
    "North yard,2200 N Marine Dr\n"
    "Acme Logistics & Heavy Haulage of the Northern Counties,,,Sam Again,SAM@acme.example,,,,\n"
    "Birch Construction,,,Bea Birch,bea@birch,,yes,,\n"
    ",,,Nobody,nobody@example.com,,,,\n"
    "Cedar Haulage,CEDAR-9,,Cy Cedar,cy@cedar.example,,maybe,Yard,1 Cedar St\n"
    "Dover Freight,,,Dee Dover,dee@dover.example,555-0100,yes,,\n"
)


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    make.customer(shop, "Dover Freight")
    return {"admin": admin}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_upload_preview_import_and_invite(new_context, watch, world, tmp_path, size):
    camera = Camera(watch, tmp_path)
    page = camera.open(new_context, **SIZES[size])
    login_staff(page, world["admin"].email)
    page.goto("/staff/customers")
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/import$"))
    expect(page.get_by_role("link", name="Download the customers template")).to_have_attribute(
        "href", "/staff/import/template.csv?kind=customers")
    camera.shoot(page, size, "import-upload", "Import customers and assets")

    watch_ = camera.watches[id(page)]
    watch_.expected_statuses.add(422)
    page.get_by_role("button", name="Preview").click()  # no file chosen
    expect(page.locator(".field.has-error")).to_contain_text("Choose the CSV file to import.")
    camera.shoot(page, size, "import-upload-error", "Import customers and assets")

    page.get_by_label("Customers, contacts and locations").check()
    page.get_by_label("CSV file").set_input_files(files=[{
        "name": "first-day.csv", "mimeType": "text/csv", "buffer": FILE.encode("utf-8")}])
    page.get_by_role("button", name="Preview").click()
    expect(page).to_have_url(re.compile(r"/staff/import/\d+$"))
    rows = page.locator("table.import-rows tbody tr")
    expect(rows).to_have_count(7)
    expect(rows.nth(2)).to_contain_text("Duplicate in the file: row 3")
    expect(rows.nth(3)).to_contain_text("“bea@birch” is not an email address")
    expect(rows.nth(4)).to_contain_text("Enter the customer's name.")
    expect(rows.nth(5)).to_contain_text("Write yes or no.")
    expect(rows.nth(6)).to_contain_text("New contact dee@dover.example")  # Dover exists
    expect(rows.nth(6)).not_to_contain_text("New customer")
    camera.shoot(page, size, "import-preview", "Preview of first-day.csv")

    page.get_by_role("link", name=re.compile(r"^Errors \(4\)")).click()
    expect(rows).to_have_count(4)
    camera.shoot(page, size, "import-preview-errors", "Preview of first-day.csv")

    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Imported first-day.csv: 1 customer created; 3 contacts created; 2 locations created; "
        "4 rows with errors skipped.")
    expect(page.locator("main")).to_contain_text("3 imported contacts have no portal login")
    camera.shoot(page, size, "import-done", "Imported first-day.csv")

    page.get_by_role("button", name="Invite imported contacts").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Invitation sent to 3 imported contacts.")
    expect(page.get_by_role("button", name="Invite imported contacts")).to_have_count(0)
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_import_without_javascript(new_context, watch, world, tmp_path):
    camera = Camera(watch, tmp_path)
    page = camera.open(new_context, java_script_enabled=False, **PHONE)
    login_staff(page, world["admin"].email)
    page.goto("/staff/import")
    page.get_by_label("Assets (units)").check()
    page.get_by_label("CSV file").set_input_files(files=[{
        "name": "units.csv", "mimeType": "text/csv",
        "buffer": "customer_name;unit_number;year\nDover Freight;D-1;2020\n".encode("cp1252")}])
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("table.import-rows")).to_contain_text("New unit D-1 for Dover Freight")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Imported units.csv: 1 asset created")
