"""Receipts and payment history in Chromium (issue 20 item 2), at 360 x 640 and 1280 x 800.

Staff press Mark as paid on an invoice and are told the receipt's number and whom it was
emailed to; the console's payment list and the receipt follow. The customer's /payments lists
the payments newest first, opens the receipt, and Download PDF gives the PDF. Each page is
screenshot and checked by axe-core and the Nu Html Checker; with JavaScript off the list's
date range and its pages work as plain links and GET forms.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal_app.models import utcnow
from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import Camera

SIZES = {"phone": PHONE, "desktop": DESKTOP}


def day(offset: int = 0):
    return utcnow().date() + timedelta(days=offset)


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel",
                     address="12 Harbor Road\nPortsmouth, NH 03801",
                     support_phone="+1 603 555 0100")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics & Heavy Haulage of the Northern Counties",
                         account_number="C-1001", billing_address="400 Dock Street\nSalem, MA")
    t101 = make.asset(acme, "T-101")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)
    invoice = make.invoice(acme, lines=[("Front brake pads and rotors", 1, 68000),
                                        ("Wiper blades", 2, 2250)], number="INV-0042",
                           po_number="PO-7781", asset_id=t101.id)
    older = make.invoice(acme, lines=[("Annual DOT inspection", 1, 18500)], number="INV-0031")
    make.payment(older, 18500, method="check", reference="Check 1042", paid_on=day(-20))
    make.payment(older, 9000, method="ach", status="failed", paid_on=None,
                 failure_message="The bank account could not be located")
    return {"admin": admin, "dana": dana, "invoice": invoice, "acme": acme}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_mark_as_paid_then_both_sides_read_the_receipt(new_context, watch, world, mailbox,
                                                       tmp_path, size):
    camera = Camera(watch, tmp_path)
    staff = camera.open(new_context, **SIZES[size])
    login_staff(staff, world["admin"].email)
    staff.goto(f"/staff/invoices/{world['invoice'].id}")
    staff.get_by_label("Amount received").fill("500.00")
    staff.get_by_label("Method").select_option("transfer")
    staff.get_by_label("Reference").fill("Wire 88-2231")
    staff.get_by_role("button", name="Mark as paid").click()
    flash = staff.locator(".flash-success")
    expect(flash).to_contain_text(re.compile(r"Receipt R-INV-0042-\d+: Emailed to Dana Ortiz\."))
    number = re.search(r"R-INV-0042-\d+", flash.inner_text()).group(0)

    staff.goto("/staff/payments")
    rows = staff.locator("table.payments tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(number)
    expect(rows.first).to_contain_text("Acme Logistics")
    expect(staff.get_by_role("link", name="Export CSV")).to_be_visible()
    camera.shoot(staff, size, "staff-payments", "Payments")
    staff.get_by_role("link", name=number).click()
    expect(staff.locator("h1")).to_contain_text(f"Receipt {number}")
    expect(staff.locator("main")).to_contain_text("Ava Alvarez")
    camera.shoot(staff, size, "staff-receipt", re.compile(f"Receipt {number}"))

    customer = camera.open(new_context, **SIZES[size])
    login_portal(customer, world["dana"].email)
    customer.goto("/payments")
    rows = customer.locator("table.payments tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(number)  # today's first, then 20 days ago
    expect(rows.nth(0)).to_contain_text("$500.00")
    camera.shoot(customer, size, "portal-payments", "Payments")
    customer.get_by_role("link", name=number).click()
    main = customer.locator("main")
    for shown in ("$500.00", "Bank transfer", "Wire 88-2231", "INV-0042", "PO-7781", "T-101",
                  "Still due", "$225.00", "Harbor Diesel Service"):
        expect(main).to_contain_text(shown)
    camera.shoot(customer, size, "portal-receipt", re.compile(f"Receipt {number}"))
    with customer.expect_download() as download:
        customer.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"receipt-{number}.pdf"

    customer.goto("/payments")  # the failed payment (made today) reads as such: no receipt
    customer.locator("table.payments").get_by_role(
        "link", name=re.compile(r"R-INV-0031-")).first.click()
    expect(customer.locator("h1")).to_contain_text("Payment R-INV-0031-")
    expect(customer.get_by_role("link", name="Download PDF")).to_have_count(0)
    camera.shoot(customer, size, "portal-payment-failed", re.compile("Payment R-INV-0031-"))
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_payment_list_without_javascript(new_context, watch, make, world):
    invoice = make.invoice(world["acme"], lines=[("Fleet contract", 1, 900000)],
                           number="INV-0050")
    for n in range(26):
        make.payment(invoice, 1000 + n, paid_on=day(-30 + n))
    page = new_context(java_script_enabled=False, **PHONE).new_page()
    login_portal(page, world["dana"].email)
    page.goto("/payments")
    rows = page.locator("table.payments tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("Failed")  # INV-0031's failed payment, made today
    expect(rows.nth(1)).to_contain_text("$10.25")  # the newest contract payment, 5 days ago
    page.get_by_role("link", name="Next ›").click()
    expect(page).to_have_url(re.compile(r"/payments\?page=2$"))
    expect(rows).to_have_count(3)  # the last contract payment and INV-0031's two
    page.get_by_label("From").fill(day(-6).isoformat())
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(rf"from={day(-6).isoformat()}"))
    expect(rows).to_have_count(3)  # today's failed one, the contract's of 5 and 6 days ago
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", f"/payments/export.csv?from={day(-6).isoformat()}")
    page.goto("/payments?to=31.02.2026")  # typed by hand: said next to the field, kept
    expect(page.locator(".filter .error")).to_have_text("Enter a date like 2026-03-31.")
    expect(rows).to_have_count(25)
