"""Documents a business can file, in Chromium: an Administrator fills the settings documents
print and the sales tax (a refused rate keeps what was typed, next to the field), staff give a
customer its billing address, issue a draft with the due date the form suggests (JavaScript on
and off), and the printed invoice shows both addresses, the unit, the PO number, the tax, the
due date and where to send payment. The pages are screenshotted at 1280 and 360x640 (axe and
vnu clean, nothing wider than the screen)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal_app.clock import today
from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import Camera

pytestmark = pytest.mark.browser

LINES = [("Brake service, front and rear axles", "2.5", 9600, {"kind": "labour"}),
         ("Brake pads (axle set)", 2, 12950, {"taxable": True, "discount": Decimal(10)}),
         ("Shop supplies", 1, 1575, {"kind": "fee", "taxable": True})]
# 2.5 h x 96.00 + 2 x 129.50 less 10 % + 15.75 = 488.85; tax 8.25 % of 248.85 = 20.53


@pytest.fixture
def world(make, live_server):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez")
    acme = make.customer(shop, "Acme Logistics", account_number="C-1001")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)
    return shop, admin, acme, dana


def _fill_settings(page) -> None:
    page.get_by_label("Address", exact=True).fill("1 Harbor Road\nPortsmouth, NH 03801")
    page.get_by_label("Phone").fill("+1 603 555 0100")
    page.get_by_label("Billing email").fill("billing@harbor-diesel.example")
    page.get_by_label("Remit-to address").fill("Harbor Diesel Service LLC\nPO Box 77\n"
                                               "Portsmouth, NH 03802")
    page.get_by_label("Payment terms (days)").fill("30")
    page.get_by_label("Tax name").fill("Sales tax")


def test_settings_customer_and_a_filed_invoice_screenshotted(world, make, new_context, watch,
                                                             read, tmp_path):
    shop, admin, acme, dana = world
    make.asset(acme, "T-101")
    camera = Camera(watch, tmp_path)
    staff_pages = {size: camera.open(new_context, **options)
                   for size, options in (("desktop", DESKTOP), ("phone", PHONE))}
    for size, page in staff_pages.items():
        login_staff(page, admin.email)
        page.goto("/staff/settings")
        _fill_settings(page)
        page.get_by_label("Tax rate (%)").fill("8.1234")
        camera.watches[id(page)].expected_statuses.add(422)
        page.get_by_role("button", name="Save settings").click()
        rate = page.locator(".field.has-error", has=page.get_by_label("Tax rate (%)"))
        expect(rate).to_contain_text("at most three decimals")
        expect(page.get_by_label("Tax rate (%)")).to_have_value("8.1234")
        expect(page.get_by_label("Remit-to address")).to_have_value(
            "Harbor Diesel Service LLC\nPO Box 77\nPortsmouth, NH 03802")
        camera.shoot(page, size, "staff-40-settings-refused-rate", "Settings")
        page.get_by_label("Tax rate (%)").fill("8.25")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".flash-success")).to_contain_text(  # the phone saves the same
            "Settings saved." if size == "desktop" else "Nothing changed.")
        expect(page.get_by_label("Tax rate (%)")).to_have_value("8.25")
        expect(page.get_by_label("Labour is taxable")).not_to_be_checked()
        expect(page.get_by_label("Parts are taxable")).to_be_checked()
        camera.shoot(page, size, "staff-41-settings", "Settings")
    assert read(lambda: _shop(shop.id)).tax_rate == Decimal("8.25")

    # The customer's billing address and a refused exemption (no certificate).
    page = staff_pages["desktop"]
    for size, page in staff_pages.items():
        page.goto(f"/staff/customers/{acme.id}/edit")
        page.get_by_label("Billing address").fill("Accounts payable\n400 Dock Street\n"
                                                  "Boston, MA 02110")
        page.get_by_label("Tax exempt").check()
        camera.watches[id(page)].expected_statuses.add(422)
        page.get_by_role("button", name="Save customer").click()
        expect(page.locator(".field.has-error")).to_contain_text("exemption certificate")
        camera.shoot(page, size, "staff-42-customer-exemption-refused", "Edit customer")
        page.get_by_label("Tax exempt").uncheck()
        page.get_by_role("button", name="Save customer").click()
        expect(page.locator("#billing")).to_contain_text("400 Dock Street")
        camera.shoot(page, size, "staff-43-customer-billing", "Acme Logistics")

    # Two drafts: issued with the suggested due date (JavaScript on) and a chosen one (off).
    drafts = [make.invoice(acme, lines=LINES, number=number, state="draft", due_in_days=None,
                           po_number="PO-7731", asset_id=_asset_id(read, acme.id),
                           tax_name="Sales tax", tax_rate=Decimal("8.25"))
              for number in ("INV-0101", "INV-0102")]
    suggested = today(shop) + timedelta(days=30)
    for size, page in staff_pages.items():
        page.goto(f"/staff/invoices/{drafts[0].id}")
        expect(page.get_by_label("Due date")).to_have_value(suggested.isoformat())
        camera.shoot(page, size, "staff-44-invoice-draft-issue", re.compile("Invoice INV-0101"))
    page = staff_pages["desktop"]
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.locator(".flash-success")).to_contain_text(
        f"issued, due {suggested.day} {suggested:%b %Y}")
    no_js = new_context(java_script_enabled=False).new_page()
    login_staff(no_js, admin.email)
    no_js.goto(f"/staff/invoices/{drafts[1].id}")
    chosen = suggested + timedelta(days=15)
    no_js.get_by_label("Due date").fill(chosen.isoformat())
    no_js.get_by_role("button", name="Issue invoice").click()
    expect(no_js.locator(".flash-success")).to_contain_text(f"due {chosen.day} {chosen:%b %Y}")

    for size, options in (("desktop", DESKTOP), ("phone", PHONE)):
        portal = camera.open(new_context, **options)
        login_portal(portal, dana.email)
        portal.goto(f"/invoices/{drafts[0].id}/print")
        sheet = portal.locator("main")
        for text in ("1 Harbor Road", "Portsmouth, NH 03801", "+1 603 555 0100",
                     "400 Dock Street", "Unit T-101", "PO number PO-7731",
                     "Tax: Sales tax (8.25%)", "$20.53", "$509.38",
                     f"Due {suggested.day} {suggested:%b %Y}", "PO Box 77"):
            expect(sheet).to_contain_text(text)
        camera.shoot(portal, size, "portal-40-invoice-print-filed", re.compile("INV-0101"))
        portal.goto(f"/invoices/{drafts[0].id}")
        expect(portal.locator("#payment-panel")).to_contain_text("PO Box 77")
        camera.shoot(portal, size, "portal-41-invoice-filed", re.compile("INV-0101"))

    assert camera.count == 14
    camera.validate_html()
    problems = [p for p in camera.problems if not ("print" in p and "htmx did not load" in p)]
    assert not problems, "\n".join(problems)


def _shop(shop_id):
    from portal_app.extensions import db
    from portal_app.models import Shop

    return db.session.get(Shop, shop_id)


def _asset_id(read, customer_id):
    from sqlalchemy import select

    from portal_app.extensions import db
    from portal_app.models import Asset

    return read(lambda: db.session.scalar(select(Asset.id).where(
        Asset.customer_id == customer_id)))
