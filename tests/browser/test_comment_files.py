"""Photos on comments in Chromium (issue 21): with JavaScript off on a 360 x 640 phone a customer
posts a comment with a photo on a work order (a refused drawing first: its message at the field,
the text kept) and sees its thumbnail under the comment; with JavaScript on, htmx swaps the
thread with the new comment's thumbnail in it, and the staff's reply with a PDF shows as a
download. The pages are screenshot at 360 x 640 and 1280 x 800 and checked by axe-core and the
Nu Html Checker."""

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
    unit = make.asset(acme, "T-101", make.location(acme, "Main depot"))
    return {"admin": admin, "dana": dana,
            "work_order": make.work_order(acme, asset_id=unit.id),
            "estimate": make.estimate(acme)}


def _upload(name: str, data: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_a_comment_with_a_photo_with_javascript_off_on_a_phone(new_context, world):
    work_order = world["work_order"]
    page = new_context(java_script_enabled=False, viewport={"width": 360, "height": 640}) \
        .new_page()
    login_portal(page, world["dana"].email)
    page.goto(f"/work-orders/{work_order.id}")
    thread = page.locator("#thread")
    thread.get_by_label("Comment", exact=True).fill("Oil under the front axle, see the photo.")

    thread.get_by_label("Add photos or files").set_input_files(
        _upload("drawing.svg", SVG, "image/svg+xml"))
    thread.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-files-msg")).to_contain_text(
        "drawing.svg is not a photo or a PDF.")
    expect(page.locator(".error-summary")).to_contain_text("drawing.svg is not a photo or a PDF.")
    expect(thread.get_by_label("Comment", exact=True)).to_have_value(
        "Oil under the front axle, see the photo.")
    expect(thread.locator("li.comment")).to_have_count(0)

    thread.get_by_label("Add photos or files").set_input_files(
        _upload("IMG_0412.jpg", photo(seed=21), "image/jpeg"))
    thread.get_by_role("button", name="Post comment").click()
    expect(page).to_have_url(re.compile(rf"/work-orders/{work_order.id}#thread$"))
    expect(page.get_by_text("Comment sent.")).to_be_visible()
    comment = page.locator("#thread li.comment")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text("Oil under the front axle, see the photo.")
    thumb = comment.get_by_role("img", name="Photo IMG_0412.jpg")
    expect(thumb).to_have_attribute("loading", "lazy")
    width, height = int(thumb.get_attribute("width")), int(thumb.get_attribute("height"))
    assert 0 < width <= 320 and 0 < height <= 320
    thumb.scroll_into_view_if_needed()
    expect(thumb).to_be_visible()
    assert thumb.bounding_box()["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    src = thumb.get_attribute("src")
    assert re.search(rf"/work-orders/{work_order.id}/files/\d+/thumb$", src)
    answer = page.request.get(src)
    assert answer.status == 200 and answer.headers["content-type"] == "image/jpeg"
    expect(thread.get_by_label("Comment", exact=True)).to_have_value("")


def test_htmx_swaps_the_thread_with_the_photo_and_the_staff_reply_with_a_pdf(
        new_context, watch, world, tmp_path):
    estimate = world["estimate"]
    camera = Camera(watch, tmp_path)
    phone = camera.open(new_context, **PHONE)
    desktop = camera.open(new_context, **DESKTOP)
    login_portal(phone, world["dana"].email)
    login_staff(desktop, world["admin"].email)

    phone.goto(f"/estimates/{estimate.id}")
    url = phone.url
    thread = phone.locator("#thread")
    thread.get_by_label("Comment", exact=True).fill("Is this the worn pad?")
    thread.get_by_label("Add photos or files").set_input_files(
        [_upload("IMG_0500.jpg", photo(seed=5), "image/jpeg"),
         _upload("IMG_0501.jpg", photo(seed=6), "image/jpeg")])
    thread.get_by_role("button", name="Post comment").click()
    comment = phone.locator("#thread li.comment")
    expect(comment).to_have_count(1)
    expect(comment.locator("ul.files img")).to_have_count(2)
    expect(comment.get_by_role("img", name="Photo IMG_0500.jpg")).to_be_visible()
    assert phone.url == url  # swapped in place, no page load
    expect(phone.locator("#thread").get_by_label("Comment", exact=True)).to_have_value("")
    expect(phone.locator("#thread").get_by_label("Add photos or files")).to_have_value("")
    comment.locator("ul.files").scroll_into_view_if_needed()
    camera.shoot(phone, "phone", "comment-photos", re.compile(r"Estimate"))

    desktop.goto(f"/staff/estimates/{estimate.id}")
    staff_thread = desktop.locator("#thread")
    expect(staff_thread.get_by_role("img", name="Photo IMG_0501.jpg")).to_have_count(1)
    staff_thread.get_by_label("Reply", exact=True).fill("Yes: the quote for new pads is attached.")
    staff_thread.get_by_label("Add photos or files").set_input_files(
        _upload("pads quote.pdf", pdf(), "application/pdf"))
    staff_thread.get_by_role("button", name="Post reply").click()
    reply = desktop.locator("#thread li.comment").nth(1)
    expect(reply).to_contain_text("Yes: the quote for new pads is attached.")
    link = reply.get_by_role("link", name=re.compile(r"pads quote\.pdf"))
    expect(link).to_have_attribute("download", "")
    camera.shoot(desktop, "desktop", "comment-reply-pdf", re.compile(r"Estimate"))

    # A refused file with htmx: the thread comes back with the message, the text kept.
    staff_thread = desktop.locator("#thread")
    staff_thread.get_by_label("Reply", exact=True).fill("And a drawing")
    staff_thread.get_by_label("Add photos or files").set_input_files(
        _upload("drawing.svg", SVG, "image/svg+xml"))
    camera.watches[id(desktop)].expected_statuses.add(422)
    staff_thread.get_by_role("button", name="Post reply").click()
    expect(desktop.locator("#thread .error-summary")).to_contain_text(
        "drawing.svg is not a photo or a PDF.")
    expect(desktop.locator("#comment-files-msg")).to_contain_text(
        "drawing.svg is not a photo or a PDF.")
    expect(desktop.locator("#thread").get_by_label("Reply", exact=True)).to_have_value("And a drawing")
    expect(desktop.locator("#thread li.comment")).to_have_count(2)

    phone.reload()
    expect(phone.locator("#thread li.comment")).to_have_count(2)
    expect(phone.locator("#thread").get_by_role(
        "link", name=re.compile(r"pads quote\.pdf"))).to_have_count(1)
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
