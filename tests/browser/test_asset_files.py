"""Photos and files on an asset in Chromium (issue 21): with JavaScript off on a 360 x 640 phone a
customer picks a photo and uploads it, and its thumbnail shows (lazy, with its size); a refused
file is said at the field. The asset page with two photos and a PDF is screenshot in the portal
and in the console at 360 x 640 and 1280 x 800, and checked by axe-core and the Nu Html
Checker."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import Camera
from tests.uploads import SVG, pdf, photo

pytestmark = pytest.mark.browser


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz")
    asset = make.asset(acme, "T-101", make.location(acme, "Main depot"), make="Kenworth",
                       model="T680", year=2021, vin_serial="1XKYD49X0LJ123456")
    return admin, dana, asset


def _upload(name: str, data: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_a_photo_uploaded_with_javascript_off_on_a_phone(new_context, world):
    _, dana, asset = world
    page = new_context(java_script_enabled=False, viewport={"width": 360, "height": 640}) \
        .new_page()
    login_portal(page, dana.email)
    page.goto(f"/assets/{asset.id}")
    expect(page.get_by_text("No photos or files yet")).to_be_visible()

    # A drawing is refused, said at the field and in the summary; nothing is added.
    page.get_by_label("Add photos or files").set_input_files(
        _upload("drawing.svg", SVG, "image/svg+xml"))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#files-msg")).to_contain_text("drawing.svg is not a photo or a PDF.")
    expect(page.locator(".error-summary")).to_contain_text("drawing.svg is not a photo or a PDF.")
    expect(page.locator("ul.files img")).to_have_count(0)

    page.get_by_label("Add photos or files").set_input_files(
        _upload("IMG_0412.jpg", photo(seed=21), "image/jpeg"))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("1 file added.")).to_be_visible()
    assert page.url.endswith(f"/assets/{asset.id}")
    thumb = page.get_by_role("img", name="Photo IMG_0412.jpg")
    expect(thumb).to_have_count(1)
    expect(thumb).to_have_attribute("loading", "lazy")
    width, height = int(thumb.get_attribute("width")), int(thumb.get_attribute("height"))
    assert 0 < width <= 320 and 0 < height <= 320
    thumb.scroll_into_view_if_needed()
    expect(thumb).to_be_visible()
    source = thumb.get_attribute("src")
    answer = page.request.get(source)  # the page's own cookies
    assert answer.status == 200 and answer.headers["content-type"] == "image/jpeg"
    # It fits the phone: the thumbnail is no wider than the screen, nor is the page.
    assert thumb.bounding_box()["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The full photo opens from the thumbnail.
    link = page.locator("ul.files a.thumb").first
    assert page.request.get(link.get_attribute("href")).status == 200


def test_asset_page_with_photos_and_a_pdf_screenshots(new_context, watch, world, make,
                                                      tmp_path):
    admin, dana, asset = world
    make.attachment(asset, photo(seed=31), "IMG_0031.jpg", by=dana)
    make.attachment(asset, photo(width=1200, height=1600, seed=32), "IMG_0032.jpg", by=dana)
    make.attachment(asset, pdf(), "Title and registration 2021 Kenworth T680.pdf", by=admin)
    camera = Camera(watch, tmp_path)
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        portal = camera.open(new_context, **options)
        login_portal(portal, dana.email)
        portal.goto(f"/assets/{asset.id}")
        expect(portal.locator("ul.files li")).to_have_count(3)
        portal.locator("ul.files").scroll_into_view_if_needed()
        camera.shoot(portal, size, "asset-files-portal", "T-101")

        console = camera.open(new_context, **options)
        login_staff(console, admin.email)
        console.goto(f"/staff/assets/{asset.id}")
        expect(console.locator("ul.files li")).to_have_count(3)
        camera.shoot(console, size, "asset-files-console", "T-101")

        # A refused upload: the message at the field and in the summary.
        camera.watches[id(portal)].expected_statuses.add(422)
        portal.get_by_label("Add photos or files").set_input_files(
            _upload("drawing.svg", SVG, "image/svg+xml"))
        portal.get_by_role("button", name="Upload").click()
        expect(portal.locator("#files-msg")).to_contain_text("is not a photo or a PDF")
        camera.shoot(portal, size, "asset-files-refused", "T-101")

        portal.goto("/assets/new")
        camera.shoot(portal, size, "asset-new-with-files", "Add asset")
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
