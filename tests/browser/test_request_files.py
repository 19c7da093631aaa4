"""Photos and files on the request form in Chromium (issue 21): with JavaScript off on a 360 x 640
phone a customer picks a photo on /requests/new, submits, and sees its thumbnail on the request's
page (lazy, with its size). With JavaScript on, a save on change does not send the chosen file:
it goes with "Submit request". The form with a photo and the request's page are screenshot at
360 x 640 and 1280 x 800 and checked by axe-core and the Nu Html Checker."""

from __future__ import annotations

import re

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
    depot = make.location(acme, "Main depot")
    make.asset(acme, "T-101", depot)
    return admin, dana


def _upload(name: str, data: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_a_photo_sent_with_the_request_with_javascript_off_on_a_phone(new_context, world):
    _, dana = world
    page = new_context(java_script_enabled=False, viewport={"width": 360, "height": 640}) \
        .new_page()
    login_portal(page, dana.email)
    page.goto("/requests/new")
    page.get_by_label("Location").select_option(label="Main depot")
    page.get_by_label("Description").fill("The door seal is torn, see the photo.")

    # A drawing is refused at the field; the description stays.
    page.get_by_label("Add photos or files").set_input_files(
        _upload("drawing.svg", SVG, "image/svg+xml"))
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#files-msg")).to_contain_text("drawing.svg is not a photo or a PDF.")
    expect(page.locator(".error-summary")).to_contain_text("drawing.svg is not a photo or a PDF.")
    expect(page.get_by_label("Description")).to_have_value("The door seal is torn, see the photo.")

    # "Update" keeps a photo with the form; it can be removed again.
    page.get_by_label("Add photos or files").set_input_files(
        _upload("IMG_0100.jpg", photo(seed=11), "image/jpeg"))
    page.get_by_role("button", name="Update").click()
    expect(page).to_have_url(re.compile(r"/requests/new$"))
    expect(page.get_by_role("img", name="Photo IMG_0100.jpg")).to_have_count(1)
    page.get_by_role("button", name="Remove IMG_0100.jpg").click()
    expect(page.get_by_text("Removed IMG_0100.jpg.")).to_be_visible()
    expect(page.locator("ul.files img")).to_have_count(0)

    page.get_by_label("Add photos or files").set_input_files(
        _upload("IMG_0412.jpg", photo(seed=21), "image/jpeg"))
    page.get_by_role("button", name="Submit request").click()
    expect(page).to_have_url(re.compile(r"/requests/\d+$"))
    expect(page.get_by_role("heading", level=2, name="Photos and files")).to_be_visible()
    thumb = page.get_by_role("img", name="Photo IMG_0412.jpg")
    expect(thumb).to_have_count(1)
    expect(thumb).to_have_attribute("loading", "lazy")
    width, height = int(thumb.get_attribute("width")), int(thumb.get_attribute("height"))
    assert 0 < width <= 320 and 0 < height <= 320
    thumb.scroll_into_view_if_needed()
    expect(thumb).to_be_visible()
    assert re.search(r"/requests/\d+/files/\d+/thumb$", thumb.get_attribute("src"))
    answer = page.request.get(thumb.get_attribute("src"))
    assert answer.status == 200 and answer.headers["content-type"] == "image/jpeg"
    assert thumb.bounding_box()["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    link = page.locator("ul.files a.thumb").first
    assert page.request.get(link.get_attribute("href")).status == 200


def test_request_form_and_page_with_photos_screenshots(new_context, watch, world, tmp_path):
    admin, dana = world
    camera = Camera(watch, tmp_path)
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        portal = camera.open(new_context, **options)
        login_portal(portal, dana.email)
        portal.goto("/requests/new")
        portal.get_by_label("Description").fill(f"Hydraulic leak under the cab ({size}).")
        portal.get_by_label("Add photos or files").set_input_files([
            _upload("IMG_0031.jpg", photo(seed=31), "image/jpeg"),
            _upload("Service manual page 12.pdf", pdf(), "application/pdf")])
        # A save on change (JavaScript on) leaves the chosen files alone: they go with a post
        # of the whole form.
        with portal.expect_response(lambda r: r.url.endswith("/requests/new/draft")) as saved:
            portal.get_by_label("Location").select_option(label="Main depot")
        assert "multipart" not in (saved.value.request.headers.get("content-type") or "")
        assert "IMG_0031" not in (saved.value.request.post_data or "")
        camera.watches[id(portal)].expected_statuses.add(422)
        portal.get_by_label("Urgency").select_option("urgent")
        portal.get_by_label("Description").fill("")
        portal.get_by_role("button", name="Submit request").click()  # the description is missing
        expect(portal.locator("#description-msg")).to_have_text("Describe what needs doing.")
        expect(portal.locator("ul.files li")).to_have_count(2)  # the files stayed with the form
        camera.shoot(portal, size, "request-form-with-files", "Request service")

        portal.get_by_label("Description").fill(f"Hydraulic leak under the cab ({size}).")
        portal.get_by_label("Add photos or files").set_input_files(
            _upload("IMG_0032.jpg", photo(width=1200, height=1600, seed=32), "image/jpeg"))
        portal.get_by_role("button", name="Submit request").click()
        expect(portal).to_have_url(re.compile(r"/requests/\d+$"))
        expect(portal.locator("ul.files li")).to_have_count(3)
        portal.locator("ul.files").scroll_into_view_if_needed()
        heading = re.compile(r"Request #\d+")
        camera.shoot(portal, size, "request-files-portal", heading)
        request_path = portal.url.split(portal.url.split("/requests/")[0])[1]

        console = camera.open(new_context, **options)
        login_staff(console, admin.email)
        console.goto("/staff" + request_path)
        expect(console.locator("ul.files li")).to_have_count(3)
        camera.shoot(console, size, "request-files-console", heading)
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
