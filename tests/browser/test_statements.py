"""The statement of account in Chromium (issue 20 item 3), at 360 x 640 and 1280 x 800.

A customer's billing contact opens /statement: the balance by age in five buckets and the
total, the open invoices and the period's payments, Download PDF and Download CSV. Staff open
it from the customer's page in the console and press Email statement. A bad date gets its
message at the field. Each page is screenshot and checked by axe-core and the Nu Html Checker;
none overflows a phone's width.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import Camera

SIZES = {"phone": PHONE, "desktop": DESKTOP}
ZONE = "America/Chicago"


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel", timezone=ZONE,
                     address="14 Quay Street\nPortland, ME 04101", support_phone="(207) 555-0142",
                     billing_email="billing@harbor.example")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics & Heavy Haulage of the Northern Counties",
                         account_number="ACME-0042",
                         billing_address="Accounts Payable\n200 Fleet Way\nBangor, ME 04401")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)
    today = datetime.now(ZoneInfo(ZONE)).date()
    unit = make.asset(acme, "T-101")

    def invoice(number, due_days_ago, cents, **kw):
        due = today - timedelta(days=due_days_ago)
        return make.invoice(acme, number=number, lines=(("Service", 1, cents),),
                            issued_on=min(due - timedelta(days=30), today), due_on=due, **kw)

    invoice("INV-1044", -12, 68_000, po_number="PO-7781", asset_id=unit.id)
    late = invoice("INV-1031", 12, 124_550)
    invoice("INV-1017", 45, 45_000, po_number="PO-7702")
    invoice("INV-0988", 120, 9_900)
    make.payment(late, 50_000, paid_on=today - timedelta(days=3), reference="Check 20417")
    paid = invoice("INV-1002", 40, 31_500)
    make.payment(paid, 31_500, method="card", paid_on=today - timedelta(days=35))
    return {"admin": admin, "acme": acme, "dana": dana}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_statement_in_the_portal_and_the_console(new_context, watch, world, tmp_path, size):
    camera = Camera(watch, tmp_path)
    customer = camera.open(new_context, **SIZES[size])
    login_portal(customer, world["dana"].email)
    customer.goto("/statement")
    aging = customer.locator("dl.aging")
    for name, amount in (("Current", "$680.00"), ("1-30", "$745.50"), ("31-60", "$450.00"),
                         ("61-90", "$0.00"), ("Over 90", "$99.00"), ("Total due", "$1,974.50")):
        expect(aging.locator(".bucket", has_text=re.compile("^" + re.escape(name)))).to_contain_text(
            amount)
    expect(customer.locator(".statement-invoices tbody tr")).to_have_count(4)
    expect(customer.locator(".statement-payments tbody tr")).to_have_count(2)
    expect(customer.get_by_role("link", name="Download PDF")).to_be_visible()
    camera.shoot(customer, size, "statement-portal", "Statement of account")
    if size == "desktop":
        with customer.expect_download() as download:
            customer.get_by_role("link", name="Download PDF").click()
        assert re.fullmatch(r"statement-ACME-0042-\d{4}-\d\d-\d\d\.pdf",
                            download.value.suggested_filename)
        with customer.expect_download() as download:
            customer.get_by_role("link", name="Download CSV").click()
        assert download.value.suggested_filename.endswith(".csv")

    customer.goto("/statement?from=last+year&to=" + "2027-13-40")
    expect(customer.locator(".error-summary")).to_be_visible()
    expect(customer.locator("#from-msg")).to_contain_text("Enter a start date like")
    expect(customer.locator("#to-msg")).to_contain_text("Enter an end date like")
    camera.shoot(customer, size, "statement-bad-dates", "Statement of account")

    staff = camera.open(new_context, **SIZES[size])
    login_staff(staff, world["admin"].email)
    staff.goto(f"/staff/customers/{world['acme'].id}")
    staff.get_by_role("link", name="Statement", exact=True).click()
    heading = re.compile(r"^Statement of account of Acme Logistics")
    expect(staff.get_by_role("heading", level=1)).to_have_text(heading)
    expect(staff.locator(".emails-to")).to_contain_text("Dana Ortiz")
    staff.get_by_role("button", name="Email statement").click()
    expect(staff.locator(".flash-success")).to_contain_text(
        "Statement emailed to 1 billing contact: Dana Ortiz.")
    expect(staff.locator("dl.aging .total")).to_contain_text("$1,974.50")
    camera.shoot(staff, size, "statement-console", heading)
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_the_statement_without_javascript(new_context, watch, world, tmp_path):
    """The date range is a plain GET form; Email statement a plain POST."""
    camera = Camera(watch, tmp_path)
    staff = camera.open(new_context, java_script_enabled=False, **PHONE)
    login_staff(staff, world["admin"].email)
    staff.goto(f"/staff/customers/{world['acme'].id}/statement")
    staff.get_by_label("From", exact=True).fill("2020-01-01")
    staff.get_by_role("button", name="Show").click()
    expect(staff).to_have_url(re.compile(r"from=2020-01-01"))
    expect(staff.locator(".statement-payments tbody tr")).to_have_count(2)
    staff.get_by_role("button", name="Email statement").click()
    expect(staff.locator(".flash-success")).to_contain_text("Statement emailed to 1")
    expect(staff).to_have_url(re.compile(r"/statement\?from=2020-01-01&to="))
