"""Estimates in Chromium, at desktop and phone size, with JavaScript on and off: Dana ticks an
optional line and the total follows, approves the selection with her name and a PO number and
reads the receipt, which staff see too; she declines another with a reason; she comments and
sees the staff reply; an approval from a page staff changed meanwhile is refused with what
changed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, go_to_section, login_portal, login_staff

pytestmark = pytest.mark.browser

LINES = [("Front brake pads and rotors", 1, 68000, False), ("Brake fluid flush", 1, 12500, False),
         ("Wiper blades (pair)", 2, 2250, True), ("Cabin air filter", 1, 3900, True)]
CASES = [pytest.param(js, size, id=f"{'js' if js else 'nojs'}-{name}")
         for js in (True, False) for name, size in (("desktop", DESKTOP), ("phone", PHONE))]


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez")
    acme = make.customer(shop, "Acme Logistics")
    unit = make.asset(acme, "T-101")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz")
    return {"admin": admin, "acme": acme, "dana": dana,
            "estimate": make.estimate(acme, lines=LINES, number="EST-0001", asset_id=unit.id)}


def _open(new_context, watch, js, size):
    page = new_context(java_script_enabled=js, **size).new_page()
    return page, watch(page)


def _tick(page, label: str, js: bool) -> None:
    """Tick an optional line; with JavaScript htmx swaps the totals, without "Update total"."""
    if js:
        with page.expect_response(lambda r: r.url.endswith("/total")):
            page.get_by_label(label).check()
    else:
        page.get_by_label(label).check()
        page.get_by_role("button", name="Update total").click()
        expect(page.get_by_label(label)).to_be_checked()  # the page came back with the tick


@pytest.mark.parametrize("js, size", CASES)
def test_approve_selected_with_one_optional_line_then_staff_reply(js, size, world, new_context,
                                                                  watch):
    estimate = world["estimate"]
    page, console = _open(new_context, watch, js, size)
    login_portal(page, world["dana"].email)
    page.goto("/")
    page.get_by_role("link", name="1 estimate").click()
    page.get_by_role("link", name=re.compile("EST-0001")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Waiting for your approval")
    totals = page.locator("#totals .total")
    expect(totals).to_contain_text("$805.00")
    if js:
        page.evaluate("window.stillTheSamePage = true")
    _tick(page, "Cabin air filter", js)
    expect(totals).to_contain_text("$844.00")
    if js:
        assert page.evaluate("window.stillTheSamePage === true"), "the page reloaded"
    page.get_by_label("Your name").fill("Dana Ortiz")
    page.get_by_label("PO number").fill("PO-7731")
    page.get_by_role("button", name="Approve selected").click()
    expect(page).to_have_url(re.compile(rf"/estimates/{estimate.id}#decision$"))
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text("Partially approved · receipt")
    expect(receipt).to_contain_text("PO-7731")
    expect(receipt).to_contain_text("$844.00")
    expect(receipt.locator("tbody tr", has_text="Wiper blades")).to_contain_text("Declined")
    expect(receipt.locator("tbody tr", has_text="Cabin air filter")).to_contain_text("Approved")

    staff, staff_console = _open(new_context, watch, js, size)
    login_staff(staff, world["admin"].email)
    go_to_section(staff, "Estimates")
    staff.get_by_role("link", name=re.compile("EST-0001")).click()
    expect(staff.locator(".receipt")).to_contain_text("Dana Ortiz")
    expect(staff.locator(".receipt")).to_contain_text("PO-7731")
    staff.get_by_label("Reply").fill("Thanks Dana, booked for Thursday.")
    staff.get_by_role("button", name="Post reply").click()
    expect(staff.locator("#thread .comment")).to_contain_text("booked for Thursday")
    if js:
        expect(staff.get_by_label("Reply")).to_have_value("")  # swapped in place, fresh form
    page.reload()
    expect(page.locator("#thread .comment")).to_contain_text("booked for Thursday")
    assert console.take() == [] and staff_console.take() == []


@pytest.mark.parametrize("js, size", CASES)
def test_decline_with_a_reason(js, size, world, new_context, watch):
    page, console = _open(new_context, watch, js, size)
    login_portal(page, world["dana"].email)
    page.goto(f"/estimates/{world['estimate'].id}")
    page.get_by_label("Your name").fill("Dana Ortiz")
    console.expected_statuses.add(422)
    page.get_by_role("button", name="Decline").click()
    expect(page.locator(".field.has-error")).to_contain_text("why you decline")
    expect(page.get_by_label("Your name")).to_have_value("Dana Ortiz")
    page.get_by_label("Reason").fill("Too expensive this month; please quote pads only.")
    page.get_by_role("button", name="Decline").click()
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text("Declined · receipt")
    expect(receipt).to_contain_text("please quote pads only")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Declined")
    assert console.take() == []


@pytest.mark.parametrize("js, size", CASES)
def test_comment_inline_and_see_the_staff_reply(js, size, world, new_context, watch):
    page, console = _open(new_context, watch, js, size)
    login_portal(page, world["dana"].email)
    page.goto(f"/estimates/{world['estimate'].id}")
    if js:
        page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Comment").fill("Can you do it on Thursday?")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#thread .comment")).to_contain_text("Can you do it on Thursday?")
    if js:
        assert page.evaluate("window.stillTheSamePage === true"), "the page reloaded"
    else:
        expect(page).to_have_url(re.compile(r"#thread$"))
    staff, _ = _open(new_context, watch, js, size)
    login_staff(staff, world["admin"].email)
    staff.goto(f"/staff/estimates/{world['estimate'].id}")
    expect(staff.locator("#thread")).to_contain_text("Can you do it on Thursday?")
    staff.get_by_label("Reply").fill("Thursday works. Drop it off by 8 am.")
    staff.get_by_role("button", name="Post reply").click()
    expect(staff.locator("#thread")).to_contain_text("Drop it off by 8 am.")
    page.reload()
    reply = page.locator("#thread .comment.staff-side")
    expect(reply).to_contain_text("Drop it off by 8 am.")
    expect(reply).to_contain_text("Ava Alvarez")
    assert console.take() == []


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_an_approval_from_a_page_staff_changed_is_refused_with_what_changed(js, world,
                                                                          new_context, watch):
    page, console = _open(new_context, watch, js, DESKTOP)
    login_portal(page, world["dana"].email)
    page.goto(f"/estimates/{world['estimate'].id}")  # Dana has version 1 open
    staff, _ = _open(new_context, watch, js, DESKTOP)
    login_staff(staff, world["admin"].email)
    staff.goto(f"/staff/estimates/{world['estimate'].id}")
    staff.get_by_role("link", name="Edit").click()
    staff.locator("input[name='lines-0-unit_price']").fill("720.00")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.locator(".flash-success")).to_contain_text("now version 2")

    page.get_by_label("Your name").fill("Dana Ortiz")
    console.expected_statuses.add(409)
    page.get_by_role("button", name="Approve all").click()
    notice = page.locator("#refusal")
    expect(notice).to_contain_text("This estimate changed; review the new version")
    expect(notice).to_contain_text("Changed Front brake pads and rotors: unit price $680.00 → "
                                   "$720.00")
    expect(page.locator("#totals .total")).to_contain_text("$845.00")  # the new version
    expect(page.locator("input[name='version']")).to_have_value("2")
    expect(page.locator(".receipt")).to_have_count(0)
    assert console.take() == []
