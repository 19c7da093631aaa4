"""Invoices and payment in Chromium: a customer pays on the (fake) Stripe Checkout page and
sees Paid; staff mark an invoice paid and the customer's open page shows Paid on refresh; a shop
whose Stripe account is not Active shows no payment buttons and says why. Screenshots of every
invoice page at desktop and phone sizes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import Camera
from tests.conftest import wait_for

pytestmark = pytest.mark.browser

ACCOUNT = "acct_browser"


@pytest.fixture
def world(make, fake_stripe, live_server):
    fake_stripe.webhook_url = live_server.url + "/webhooks/stripe"
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez")
    acme = make.customer(shop, "Acme Logistics", account_number="C-1001")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)
    return shop, admin, acme, dana


def status_badge(page):
    return page.locator("h1 .badge")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_customer_pays_by_card_and_sees_paid(js, world, make, new_context, watch, fake_stripe,
                                             read):
    shop, _, acme, dana = world
    fake_stripe.add_account(ACCOUNT)
    make.payment_settings(shop, stripe_account_id=ACCOUNT, bank_transfer_enabled=True)
    invoice = make.invoice(acme, lines=[("Brake service", 1, 48000)], number="INV-0042")
    page = new_context(java_script_enabled=js).new_page()
    console = watch(page)
    login_portal(page, dana.email)
    page.goto(f"/invoices/{invoice.id}")
    expect(status_badge(page)).to_have_text("Unpaid")
    page.get_by_role("button", name="Pay by card").click()
    # On the fake Stripe Checkout: pay; the fake sends the signed webhook, then redirects back.
    expect(page).to_have_title(re.compile("Fake Stripe Checkout"))
    page.get_by_role("button", name="Pay with card").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, payment received")
    assert ("checkout.session.completed", 200) in fake_stripe.deliveries
    page.get_by_role("link", name="Invoice INV-0042").click()
    expect(status_badge(page)).to_have_text("Paid")
    expect(page.get_by_role("button", name="Pay by card")).to_have_count(0)
    assert console.take() == []


def test_staff_mark_paid_shows_on_the_open_portal_page(world, make, new_context, watch):
    shop, admin, acme, dana = world
    invoice = make.invoice(acme, lines=[("Inspection", 2, 18500)], number="INV-0043")
    customer = new_context().new_page()
    watch(customer)
    login_portal(customer, dana.email)
    customer.goto(f"/invoices/{invoice.id}")
    expect(status_badge(customer)).to_have_text("Unpaid")

    staff = new_context().new_page()
    staff_console = watch(staff)
    login_staff(staff, admin.email)
    staff.goto(f"/staff/invoices/{invoice.id}")
    staff.get_by_label("Reference").fill("Check 1042")
    staff.get_by_role("button", name="Mark as paid").click()
    expect(staff.locator(".flash-success")).to_contain_text("The invoice is paid.")
    expect(status_badge(staff)).to_have_text("Paid")
    assert staff_console.take() == []

    customer.reload()
    expect(status_badge(customer)).to_have_text("Paid")
    expect(customer.get_by_text("Paid in full")).to_be_visible()


def test_account_not_active_hides_payment_and_explains(world, make, new_context, watch,
                                                       fake_stripe):
    shop, admin, acme, dana = world
    fake_stripe.add_account(ACCOUNT, charges_enabled=True, payouts_enabled=False,
                            disabled_reason="requirements.past_due",
                            currently_due=["external_account"])
    make.payment_settings(shop, stripe_account_id=ACCOUNT, stripe_state="not_connected",
                          pay_instead_text="Mail a check to 12 Harbor Road.")
    invoice = make.invoice(acme, number="INV-0044")
    staff = new_context().new_page()
    watch(staff)
    login_staff(staff, admin.email)
    staff.goto("/staff/settings/payments")
    staff.get_by_role("button", name="Refresh status").click()
    expect(staff.locator(".stripe-status h2")).to_contain_text("Payouts suspended")
    expect(staff.locator(".stripe-status")).to_contain_text(
        "Stripe needs information: external_account")

    customer = new_context().new_page()
    watch(customer)
    login_portal(customer, dana.email)
    customer.goto(f"/invoices/{invoice.id}")
    expect(customer.locator("#payment-panel")).to_contain_text(
        "Online payment isn't available")
    expect(customer.locator("#payment-panel")).to_contain_text("Mail a check to 12 Harbor Road.")
    expect(customer.get_by_role("button", name=re.compile("^Pay"))).to_have_count(0)


def test_screenshots_of_invoice_pages(world, make, new_context, watch, fake_stripe, tmp_path):
    shop, admin, acme, dana = world
    fake_stripe.add_account(ACCOUNT)
    make.payment_settings(shop, stripe_account_id=ACCOUNT, bank_transfer_enabled=True)
    open_invoice = make.invoice(acme, number="INV-0101", tax_name="Sales tax",
                                tax_rate=Decimal("8.25"), lines=[
        ("Brake service, unit T-101 (front and rear axles)", "2.5", 9600, {"kind": "labour"}),
        ("Brake pads (axle set)", 2, 12950, {"taxable": True, "discount": Decimal(10)}),
        ("Shop supplies", 1, 1575, {"kind": "fee", "taxable": True})])
    make.invoice(acme, number="INV-0102", due_in_days=-12)
    paid = make.invoice(acme, number="INV-0103")
    make.payment(paid, 10000, reference="Check 5521")
    make.invoice(acme, number="INV-0104", state="void")
    ach = make.invoice(acme, number="INV-0105")
    make.payment(ach, 10000, method="ach", status="processing")
    draft = make.invoice(acme, number="INV-0106", state="draft")

    camera = Camera(watch, tmp_path)
    for size, options in (("desktop", DESKTOP), ("phone", PHONE)):
        portal = camera.open(new_context, **options)
        login_portal(portal, dana.email)
        portal.goto("/")
        camera.shoot(portal, size, "portal-20-dashboard-invoices", re.compile("Hello"))
        portal.goto("/invoices")
        camera.shoot(portal, size, "portal-21-invoices", "Invoices")
        portal.goto(f"/invoices/{open_invoice.id}")
        # 2.5 h x 96.00 + 2 x 129.50 less 10 % + 15.75: 240.00 + 233.10 + 15.75 = 488.85;
        # tax 8.25 % of 248.85 = 20.53
        expect(portal.locator("table.lines")).to_contain_text("2.5 h")
        expect(portal.locator("table.lines")).to_contain_text("Tax: Sales tax (8.25%)")
        expect(portal.locator("table.lines tfoot")).to_contain_text("$509.38")
        camera.shoot(portal, size, "portal-22-invoice", re.compile("Invoice INV-0101"))
        portal.goto(f"/invoices/{open_invoice.id}/print")
        camera.shoot(portal, size, "portal-23-invoice-print", re.compile("Invoice INV-0101"))

        staff = camera.open(new_context, **options)
        login_staff(staff, admin.email)
        staff.goto("/staff/invoices")
        camera.shoot(staff, size, "staff-20-invoices", "Invoices")
        staff.goto(f"/staff/invoices/{open_invoice.id}")
        camera.shoot(staff, size, "staff-21-invoice", re.compile("Invoice INV-0101"))
        staff.goto(f"/staff/invoices/{draft.id}/edit")
        camera.shoot(staff, size, "staff-22-invoice-edit", "Edit draft INV-0106")
        staff.goto("/staff/settings/payments")
        camera.shoot(staff, size, "staff-23-payment-settings", "Payment settings")
    camera.validate_html()
    problems = [p for p in camera.problems if "htmx did not load" not in p or "print" not in p]
    assert not problems, "\n".join(problems)
    assert wait_for(lambda: camera.count == 16)
