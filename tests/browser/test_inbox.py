"""The staff inbox in Chromium (issue 19 item 1), at 360 x 640 and 1280 x 800.

A customer approves an estimate in one browser; a staff member's inbox in another lists it at
once, naming the customer, the contact and the document (linked). Mark handled swaps the row
with htmx (who and when) and the open count follows; with JavaScript off the same button posts
and comes back to the inbox. The dashboard lists the first open items. Each page is
screenshot and checked by axe-core and the Nu Html Checker.
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


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics & Heavy Haulage of the Northern Counties")
    depot = make.location(acme, "Main depot")
    t101 = make.asset(acme, "T-101", depot)
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz")
    request = make.service_request(dana, depot, t101, urgency="urgent",
                                   description="Unit is down on the highway")
    make.inbox_item(request, dana, kind="request", urgent=True,
                    summary="Requested service (Urgent) for T-101: Unit is down on the highway",
                    created_at=utcnow() - timedelta(minutes=5))
    invoice = make.invoice(acme, number="INV-0042")
    make.inbox_item(invoice, dana, kind="payment_failed", amount_cents=45000,
                    summary="Online payment of $450.00 (Bank transfer (ACH)) failed",
                    reason="The customer's bank account could not be located (R03). "
                           "Ask for another account or a card payment.",
                    created_at=utcnow() - timedelta(days=2))
    estimate = make.estimate(acme, number="EST-0006", lines=[
        ("Front brake pads and rotors", 1, 68000, False), ("Wiper blades", 1, 4500, True)])
    return {"admin": admin, "acme": acme, "dana": dana, "estimate": estimate}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_inbox_lists_a_decision_at_once_and_mark_handled_swaps_the_row(new_context, watch, world,
                                                                       tmp_path, size):
    camera = Camera(watch, tmp_path)
    customer = camera.open(new_context, **SIZES[size])
    login_portal(customer, world["dana"].email)
    customer.goto(f"/estimates/{world['estimate'].id}")
    customer.get_by_label("Your name").fill("Dana Ortiz")
    customer.get_by_role("button", name="Approve all").click()
    expect(customer.locator(".receipt")).to_be_visible()

    staff = camera.open(new_context, **SIZES[size])
    login_staff(staff, world["admin"].email)
    staff.goto("/staff/inbox")
    items = staff.locator("li.inbox-item")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Urgent")  # the urgent request first, then the oldest
    expect(items.nth(1)).to_contain_text("Online payment of $450.00")
    approved = items.nth(2)
    expect(approved).to_contain_text("Acme Logistics & Heavy Haulage")
    expect(approved).to_contain_text("Dana Ortiz")
    expect(approved).to_contain_text("Approved: $725.00")
    expect(approved.get_by_role("link", name="EST-0006")).to_have_attribute(
        "href", f"/staff/estimates/{world['estimate'].id}")
    expect(staff.locator("#inbox-open-count")).to_have_text("3")
    button = approved.get_by_role("button", name="Mark handled")
    box = button.bounding_box()
    assert box["height"] >= 44 or size == "desktop", box
    camera.shoot(staff, size, "inbox-open", "Inbox")

    button.click()
    handled = staff.locator(f"#{approved.get_attribute('id')}")
    expect(handled).to_contain_text(re.compile(r"Handled by Ava Alvarez · \d"))
    expect(handled.get_by_role("button", name="Mark handled")).to_have_count(0)
    expect(staff.locator("#inbox-open-count")).to_have_text("2")
    assert staff.url.endswith("/staff/inbox")  # swapped in place, no reload

    staff.get_by_role("link", name="Handled").click()
    expect(staff.locator("li.inbox-item")).to_have_count(1)
    camera.shoot(staff, size, "inbox-handled", "Inbox")

    staff.goto("/staff/")
    card = staff.locator("#inbox-waiting")
    expect(card.locator("li.inbox-item")).to_have_count(2)
    expect(card.get_by_role("link", name=re.compile(r"Inbox \(2 open\)"))).to_be_visible()
    camera.shoot(staff, size, "inbox-dashboard", re.compile("Harbor Diesel"))
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_mark_handled_without_javascript(new_context, watch, world, tmp_path):
    camera = Camera(watch, tmp_path)
    staff = camera.open(new_context, java_script_enabled=False, **PHONE)
    login_staff(staff, world["admin"].email)
    staff.goto("/staff/inbox")
    first = staff.locator("li.inbox-item").first
    expect(first).to_contain_text("Unit is down")
    first.get_by_role("button", name="Mark handled").click()
    expect(staff).to_have_url(re.compile(r"/staff/inbox$"))
    expect(staff.locator(".flash-success")).to_contain_text("Marked handled: Request #")
    expect(staff.locator("li.inbox-item")).to_have_count(1)
    expect(staff.locator("#inbox-open-count")).to_have_text("1")
    staff.get_by_role("link", name="Handled").click()
    expect(staff.locator("li.inbox-item")).to_contain_text("Handled by Ava Alvarez")
