"""In Chromium: a customer approves part of an estimate, and the estimate lists and dashboards of
both sides say "Approved $777.50 of $997.50"; staff delete a draft with JavaScript off and on.
The lists, dashboards and the opened Delete draft confirmation are screenshotted at desktop
(1280x800) and phone (360x640) size and checked with axe-core and the Nu Html Checker, as
test_screenshots.py does for every other page."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import login_portal, login_staff
from tests.browser.test_screenshots import SIZES, Camera

EST_0006 = [("Replace brake chamber", 1, 27800, False),
            ("Brake chamber labour", Decimal("1.5"), 5800, False),
            ("Replace slack adjuster", 1, 41250, True),
            ("Replace brake drums", 2, 11000, True)]
PARTIAL = "Approved $777.50 of $997.50"


def test_approved_totals_in_lists_and_delete_draft(new_context, watch, make, tmp_path):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez")
    acme = make.customer(shop, "Acme Logistics", account_number="C-1001")
    dana = make.active_contact(acme, name="Dana Ortiz", email="dana@acme-logistics.example")
    unit = make.asset(acme, "T-102")
    make.estimate(acme, number="EST-0005", asset_id=unit.id,
                  lines=[("Replace headlight assembly (left)", 1, 31000, False)])
    partial = make.estimate(acme, number="EST-0006", asset_id=unit.id, lines=EST_0006)
    full = make.estimate(acme, number="EST-0007", asset_id=unit.id,
                         lines=[("Replace alternator", 1, 54000, False),
                                ("Serpentine belt", 1, 8900, True)])
    make.approval(full, dana, decision="approved", po_number="PO-7731")
    draft = make.estimate(acme, number="EST-0008", status="draft", asset_id=unit.id,
                          lines=[("Coolant flush", 1, 21000, False)])
    draft_invoice = make.invoice(acme, state="draft", number="INV-0006",
                                 lines=[("Coolant flush", 1, 21000)])

    # Dana ticks one of the two optional lines and approves what she ticked.
    camera = Camera(watch, tmp_path)
    portal = {size: camera.open(new_context, **options) for size, options in SIZES.items()}
    staff = {size: camera.open(new_context, **options) for size, options in SIZES.items()}
    for page in portal.values():
        login_portal(page, dana.email)
    for page in staff.values():
        login_staff(page, admin.email)
    page = portal["desktop"]
    page.goto(f"/estimates/{partial.id}")
    with page.expect_response(lambda r: r.url.endswith("/total")):
        page.get_by_label("Replace slack adjuster").check()
    expect(page.locator("#totals .total")).to_contain_text("$777.50")
    page.get_by_label("Your name").fill("Dana Ortiz")
    page.get_by_role("button", name="Approve selected").click()
    expect(page.locator("#decision")).to_contain_text("Partially approved")
    camera.watches[id(page)].take()

    for size, page in portal.items():
        page.goto("/estimates")
        expect(page.locator("#results .row", has_text="EST-0006")).to_contain_text(PARTIAL)
        expect(page.locator("#results .row", has_text="EST-0007")).to_contain_text("$629.00")
        camera.shoot(page, size, "portal-40-estimates-partial", "Estimates")
        page.goto("/")
        expect(page.locator("#approvals .row", has_text="EST-0006")).to_contain_text(PARTIAL)
        camera.shoot(page, size, "portal-41-dashboard-estimates", "Hello, Dana")
    for size, page in staff.items():
        page.goto("/staff/estimates")
        expect(page.locator("#results .row", has_text="EST-0006")).to_contain_text(PARTIAL)
        camera.shoot(page, size, "staff-40-estimates-partial", "Estimates")
        page.goto("/staff/")
        expect(page.locator("#latest-estimates .row", has_text="EST-0006")).to_contain_text(
            PARTIAL)
        camera.shoot(page, size, "staff-41-dashboard-estimates", "Harbor Diesel Service")
        page.goto(f"/staff/assets/{unit.id}")
        expect(page.locator("#asset-estimates .row", has_text="EST-0006")).to_contain_text(
            PARTIAL)
        page.goto(f"/staff/estimates/{draft.id}")
        confirm = page.get_by_role("button", name="Delete draft")
        expect(confirm).to_be_hidden()
        page.locator("details.confirm > summary").click()
        expect(confirm).to_be_visible()
        expect(page.locator(".confirm-panel")).to_contain_text(
            "Delete draft EST-0008 and its 1 line?")
        camera.shoot(page, size, "staff-42-delete-draft", re.compile("Estimate EST-0008"))

    # With JavaScript off: open the confirmation, press Delete draft, land on the list.
    plain = new_context(java_script_enabled=False).new_page()
    login_staff(plain, admin.email)
    plain.goto(f"/staff/estimates/{draft.id}")
    plain.get_by_text("Delete draft", exact=True).first.click()
    plain.get_by_role("button", name="Delete draft").click()
    expect(plain).to_have_url(re.compile(r"/staff/estimates$"))
    expect(plain.locator(".flash, [role=status], .flashes").first).to_contain_text(
        "Draft EST-0008 deleted.")
    expect(plain.locator("#results")).not_to_contain_text("EST-0008")
    # With JavaScript on, the draft invoice.
    page = staff["desktop"]
    page.goto(f"/staff/invoices/{draft_invoice.id}")
    page.locator("details.confirm > summary").click()
    page.get_by_role("button", name="Delete draft").click()
    expect(page).to_have_url(re.compile(r"/staff/invoices$"))
    expect(page.get_by_text("Draft INV-0006 deleted.")).to_be_visible()
    camera.problems.extend(f"staff desktop: {error}" for error in camera.watches[id(page)].take())

    assert camera.count == 10
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
