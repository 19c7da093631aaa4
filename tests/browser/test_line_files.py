"""Inspection photos on estimate lines in Chromium (issue 21): a sent estimate with photos on two
lines, as the customer decides on it at 360 x 640 and 1280 x 800 and in the staff's editor at
1280 x 800 (screenshots, axe-core and the Nu Html Checker), and a photo added to a line in the
editor with JavaScript off on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import Attachment, EstimateLine
from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import Camera
from tests.uploads import photo

LINES = (("Front brake pads and rotors", 1, 68000, False), ("Brake fluid flush", 1, 12500, False),
         ("Wiper blades (pair)", 2, 2250, True))


@pytest.fixture
def world(make, read):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel", timezone="America/Chicago")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)
    estimate = make.estimate(acme, lines=LINES, number="EST-0007")
    lines = read(lambda: list(db.session.scalars(select(EstimateLine).where(
        EstimateLine.estimate_id == estimate.id).order_by(EstimateLine.position))))
    make.attachment(estimate, photo(seed=1), "worn pads.jpg", part=lines[0])
    make.attachment(estimate, photo(seed=2, width=1200, height=1600), "rotor.jpg", part=lines[0])
    make.attachment(estimate, photo(seed=3), "dark fluid.jpg", part=lines[1])
    return admin, dana, estimate, lines


def test_inspection_photos_beside_the_lines_for_the_customer_and_in_the_editor(
        new_context, watch, world, read, tmp_path):
    admin, dana, estimate, lines = world
    camera = Camera(watch, tmp_path)
    heading = re.compile("EST-0007")
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = camera.open(new_context, **options)
        login_portal(page, dana.email)
        page.goto(f"/estimates/{estimate.id}")
        pads = page.get_by_role("list", name=f"Photos and files: {LINES[0][0]}")
        expect(pads.get_by_role("img")).to_have_count(2)
        expect(page.get_by_role("list", name=f"Photos and files: {LINES[1][0]}")
               .get_by_role("img")).to_have_count(1)
        expect(page.get_by_label("Your name")).to_be_visible()  # deciding, photos in view
        camera.shoot(page, size, "estimate-line-photos", heading)
        if size == "phone":
            pads.get_by_role("link").first.click()  # the thumbnail opens the full photo
            expect(page).to_have_url(re.compile(rf"/estimates/{estimate.id}/files/\d+$"))

    console = camera.open(new_context, **DESKTOP)
    login_staff(console, admin.email)
    console.goto(f"/staff/estimates/{estimate.id}/edit")
    expect(console.locator("label", has_text="Add photos or files")).to_have_count(len(LINES) + 3)
    expect(console.get_by_role("list", name="Photos and files of line 1")
           .get_by_role("button", name=re.compile("^Remove"))).to_have_count(2)
    camera.shoot(console, "desktop", "estimate-editor-line-photos", heading)

    # Remove in the editor (a button of the editor's form posting elsewhere): back in the editor
    console.get_by_role("button", name="Remove rotor.jpg").click()
    expect(console.get_by_text("Removed rotor.jpg.")).to_be_visible()
    expect(console).to_have_url(re.compile(rf"/staff/estimates/{estimate.id}/edit$"))
    expect(console.get_by_role("list", name="Photos and files of line 1")
           .get_by_role("img")).to_have_count(1)
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_a_photo_added_to_a_line_with_javascript_off_on_a_phone(new_context, world, read):
    admin, dana, estimate, lines = world
    page = new_context(java_script_enabled=False, viewport={"width": 360, "height": 640}
                       ).new_page()
    login_staff(page, admin.email)
    page.goto(f"/staff/estimates/{estimate.id}/edit")
    page.locator("#lines-2-files").set_input_files(
        [{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": photo(seed=9)}])
    page.locator("#lines-2-unit_price").fill("24.00")  # a change too: version 2
    page.get_by_role("button", name="Save", exact=True).last.click()
    expect(page).to_have_url(re.compile(rf"/staff/estimates/{estimate.id}$"))
    expect(page.get_by_text("1 photo or file added.")).to_be_visible()
    expect(page.get_by_role("list", name=f"Photos and files: {LINES[2][0]}")
           .get_by_role("img")).to_have_count(1)
    files = read(lambda: [(f.estimate_line_id, f.filename) for f in db.session.scalars(
        select(Attachment).where(Attachment.estimate_id == estimate.id))])
    assert (lines[2].id, "IMG_0042.jpg") in files and len(files) == 4
