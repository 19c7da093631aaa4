"""Issue 19 items 4 and 6 in Chromium: a failed form answers with its error summary in the first
screen of a 360 x 640 phone, JavaScript off (the contract's estimate case) and on (focused after
the page load or the htmx swap); the request form's "Update" keeps all five fields with
JavaScript off; the buttons only JavaScript-off use needs are hidden while scripts run. The pages
are screenshotted at 360x640 and 1280x800 and checked with axe-core and the Nu Html Checker as
test_screenshots.py does."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal_app.models import utcnow
from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import SCREENSHOTS, Camera

pytestmark = pytest.mark.browser

FIRST_SCREEN = 640
SUMMARY = ".error-summary[role=alert]"


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics")
    depot, yard = make.location(acme, "Main depot"), make.location(acme, "North yard")
    for unit, site in (("T-101", depot), ("T-102", depot), ("T-201", yard)):
        make.asset(acme, unit, site, make="Freightliner", model="M2")
    dana = make.active_contact(acme, name="Dana Ortiz", email="dana@acme-logistics.example")
    estimate = make.estimate(acme, number="EST-0001", lines=[
        ("Replace front brake pads", 1, 32000, False),
        ("Brake labour", 2, 9500, False),
        ("Cabin air filter", 1, 4500, True),
        ("Wiper blades", 2, 2500, True)])
    return shop, admin, dana, estimate


def _summary_top(page) -> float:
    summary = page.locator(SUMMARY)
    expect(summary).to_be_visible()
    return summary.bounding_box()["y"]


def _focused_is_summary(page) -> bool:
    return page.evaluate("document.activeElement?.classList.contains('error-summary') ?? false")


def _expected_refusal(camera: Camera, page, path: str) -> None:
    """Chromium logs an htmx request's 422 as a console error; the one this test provoked is
    expected (the watch only forgives a page's own status)."""
    watch = camera.watches[id(page)]
    watch.errors = [error for error in watch.errors
                    if not (f"{path}: Failed to load resource" in error and " 422 " in error)]


def shoot(camera: Camera, page, size: str, name: str, heading, javascript: bool = True) -> None:
    """camera.shoot, or with JavaScript off its part that needs no script in the page: axe runs
    on the same pages with JavaScript on (its promise never settles where scripts are off), and
    no htmx is expected; the screenshot, the console and the Nu Html Checker are the same."""
    if javascript:
        camera.shoot(page, size, name, heading)
        return
    where = f"{name} ({size}, JavaScript off)"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    width = PHONE["viewport"]["width"] if size == "phone" else DESKTOP["viewport"]["width"]
    if page.evaluate("document.documentElement.scrollWidth") > width:
        camera.problems.append(f"{where}: horizontal overflow")
    camera.problems.extend(f"{where}: {error}" for error in camera.watches[id(page)].take())
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
    (camera.html_dir / f"{name}-{size}.html").write_text(page.content(), encoding="utf-8")
    camera.saved[f"{name}-{size}.html"] = where


@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_a_refused_decision_is_said_in_the_first_screen_of_a_phone(
        new_context, watch, world, tmp_path, javascript):
    _, _, dana, estimate = world
    camera = Camera(watch, tmp_path)
    suffix = "js" if javascript else "nojs"
    page = camera.open(new_context, java_script_enabled=javascript, **PHONE)
    login_portal(page, dana.email)
    page.goto(f"/estimates/{estimate.id}")
    page.get_by_label("Cabin air filter").check()
    camera.watches[id(page)].expected_statuses.add(422)
    page.get_by_role("button", name="Approve selected").click()  # no name typed

    # The contract: an element with role="alert" within the first 640 px, with the message,
    # linking to the field; the message stays next to the field too.
    assert _summary_top(page) < FIRST_SCREEN
    summary = page.locator(SUMMARY)
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    link = summary.get_by_role("link", name="Type your name: it is your signature.")
    expect(link).to_have_attribute("href", "#signed_name")
    expect(page.locator("#signed_name-msg")).to_have_text("Type your name: it is your signature.")
    expect(page.get_by_label("Cabin air filter")).to_be_checked()  # the tick is kept
    assert page.evaluate("window.scrollY") == 0
    if javascript:
        assert _focused_is_summary(page)  # autofocus on the page load
    shoot(camera, page, "phone", f"errors-estimate-approve-{suffix}", re.compile("EST-0001"),
          javascript)
    link.click()
    expect(page.get_by_label("Your name")).to_be_focused()

    # Decline without a reason and a name: both are asked for, and the form said so.
    expect(page.locator(".decline")).to_contain_text("both are required")
    camera.watches[id(page)].expected_statuses.add(422)
    page.get_by_role("button", name="Decline").click()
    assert _summary_top(page) < FIRST_SCREEN
    expect(page.locator(SUMMARY).get_by_role("link")).to_have_text([
        "Type your name: it is your signature.",
        "Tell Harbor Diesel Service why you decline, so they can offer something else."])
    shoot(camera, page, "phone", f"errors-estimate-decline-{suffix}", re.compile("EST-0001"),
          javascript)
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_a_refused_comment_swapped_in_by_htmx_is_focused(new_context, watch, world, tmp_path):
    _, admin, dana, estimate = world
    camera = Camera(watch, tmp_path)
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = camera.open(new_context, **options)
        login_portal(page, dana.email)
        page.goto(f"/estimates/{estimate.id}")
        camera.watches[id(page)].expected_statuses.add(422)
        with page.expect_response(lambda r: r.url.endswith("/comments")):
            page.get_by_role("button", name="Post comment").click()
        summary = page.locator(f"#thread {SUMMARY}")
        expect(summary).to_be_focused()
        expect(summary).to_be_in_viewport()
        expect(summary.get_by_role("link", name="Write your comment first.")).to_have_attribute(
            "href", "#body")
        assert page.locator(SUMMARY).count() == 1
        _expected_refusal(camera, page, "/comments")
        camera.shoot(page, size, "errors-estimate-comment-js", re.compile("EST-0001"))

        # The request form with JavaScript on: its submit is a plain post; the page comes
        # back with the summary, focused by autofocus.
        page.goto("/requests/new")
        camera.watches[id(page)].expected_statuses.add(422)
        page.get_by_role("button", name="Submit request").click()
        assert _summary_top(page) < FIRST_SCREEN and _focused_is_summary(page)
        camera.shoot(page, size, "errors-request-form-js", "Request service")

    # The console's forms use the same summary: a staff login with a wrong password.
    page = camera.open(new_context, **PHONE)
    page.goto("/staff/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill("not the password at all")
    camera.watches[id(page)].expected_statuses.add(422)
    page.get_by_role("button", name="Log in").click()
    assert _summary_top(page) < FIRST_SCREEN
    assert _focused_is_summary(page)
    camera.shoot(page, "phone", "errors-staff-login", "Staff log in")
    login_staff(page, admin.email)
    page.goto("/staff/customers/new")
    camera.watches[id(page)].expected_statuses.add(422)
    page.get_by_role("button", name="Create customer").click()
    assert _summary_top(page) < FIRST_SCREEN
    expect(page.locator(SUMMARY).get_by_role("link").first).to_have_attribute("href", "#name")
    camera.shoot(page, "phone", "errors-staff-new-customer", "New customer")
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


def test_update_without_javascript_keeps_all_five_fields(new_context, watch, world, tmp_path):
    """The contract: JS off, pick location, asset, date, urgency, type a description, press
    Update, reload: all five are there."""
    _, _, dana, _ = world
    camera = Camera(watch, tmp_path)
    date = (utcnow() + timedelta(days=9)).date().isoformat()
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = camera.open(new_context, java_script_enabled=False, **options)
        login_portal(page, dana.email)
        page.goto("/requests/new")
        expect(page.get_by_text("Press “Update” to save what you entered")).to_be_visible()
        expect(page.get_by_text("What you enter is saved as you go")).to_be_hidden()
        page.get_by_label("Location").select_option(label="Main depot")
        value = page.locator("#asset option", has_text="T-102").get_attribute("value")
        page.get_by_label("Asset", exact=True).select_option(value)
        page.get_by_label("Desired service date").fill(date)
        page.get_by_label("Urgency").select_option("urgent")
        page.get_by_label("Description").fill("Air leak at the rear axle")
        with page.expect_navigation():
            page.get_by_role("button", name="Update", exact=True).click()
        expect(page).to_have_url(re.compile(r"/requests/new$"))
        page.reload()
        expect(page.locator("#location_id option:checked")).to_have_text("Main depot")
        expect(page.locator("#asset option:checked")).to_have_text(re.compile("^T-102"))
        expect(page.get_by_label("Desired service date")).to_have_value(date)
        expect(page.get_by_label("Urgency")).to_have_value("urgent")
        expect(page.get_by_label("Description")).to_have_value("Air leak at the rear axle")

        # "Asset not listed": its description is saved by Update too.
        page.get_by_label("Asset", exact=True).select_option("not_listed")
        with page.expect_navigation():
            page.get_by_role("button", name="Update", exact=True).click()
        page.get_by_label("Describe the asset").fill("Yellow forklift, Hyster")
        with page.expect_navigation():
            page.get_by_role("button", name="Update", exact=True).click()
        page.reload()
        expect(page.get_by_label("Describe the asset")).to_have_value("Yellow forklift, Hyster")
        expect(page.get_by_label("Description")).to_have_value("Air leak at the rear axle")

        # A refused submit: the summary is in the first screen and names the field.
        page.get_by_label("Description").fill("")
        camera.watches[id(page)].expected_statuses.add(422)
        page.get_by_role("button", name="Submit request").click()
        if size == "phone":
            assert _summary_top(page) < FIRST_SCREEN
        expect(page.locator(SUMMARY).get_by_role("link", name="Describe what needs doing.")
               ).to_have_attribute("href", "#description")
        expect(page.get_by_label("Describe the asset")).to_have_value("Yellow forklift, Hyster")
        shoot(camera, page, size, "errors-request-form-nojs", "Request service", False)
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_buttons_for_javascript_off_are_hidden_while_it_runs(new_context, world, javascript):
    _, _, dana, estimate = world
    page = new_context(java_script_enabled=javascript, **PHONE).new_page()
    login_portal(page, dana.email)
    page.goto(f"/estimates/{estimate.id}")
    update_total = page.get_by_role("button", name="Update total")
    page.goto("/requests/new")
    update = page.get_by_role("button", name="Update", exact=True)
    saved_as_you_go = page.get_by_text("What you enter is saved as you go")
    if javascript:
        expect(update).to_be_hidden()
        expect(saved_as_you_go).to_be_visible()
        page.goto(f"/estimates/{estimate.id}")
        expect(update_total).to_be_hidden()
        with page.expect_response(lambda r: r.url.endswith("/total")):
            page.get_by_label("Cabin air filter").check()  # htmx updates the total instead
        expect(page.locator("#totals .total")).to_contain_text("$")
    else:
        expect(update).to_be_visible()
        expect(saved_as_you_go).to_be_hidden()
        page.goto(f"/estimates/{estimate.id}")
        expect(update_total).to_be_visible()


def test_the_filter_bar_is_one_row_on_a_desktop_and_stacks_on_a_phone(new_context, watch, world,
                                                                      tmp_path, make):
    _, admin, dana, _ = world
    make.invoice(make.customer(world[0], "Birch"), number="INV-0001")
    camera = Camera(watch, tmp_path)
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        portal = camera.open(new_context, **options)
        login_portal(portal, dana.email)
        staff = camera.open(new_context, **options)
        login_staff(staff, admin.email)
        for page, url, name, heading in ((portal, "/requests", "filters-portal-requests",
                                          "Service requests"),
                                         (staff, "/staff/invoices", "filters-staff-invoices",
                                          "Invoices")):
            page.goto(url)
            bar = page.locator("form.filter-bar")
            boxes = [bar.get_by_label("Search").bounding_box(),
                     bar.get_by_label("Status").bounding_box(),
                     bar.get_by_role("button", name="Apply").bounding_box()]
            if size == "desktop":  # one row: the three share a bottom edge
                bottoms = {round(box["y"] + box["height"]) for box in boxes}
                assert max(bottoms) - min(bottoms) <= 2, (url, boxes)
            else:  # stacked, full width, no gaps
                for upper, lower in zip(boxes, boxes[1:]):
                    gap = lower["y"] - (upper["y"] + upper["height"])
                    assert 0 <= gap <= 40, (url, boxes)
                assert all(box["width"] >= 300 for box in boxes), (url, boxes)
            camera.shoot(page, size, name, heading)
        # With JavaScript the results follow the status at once (htmx), the address too.
        staff.goto("/staff/invoices")
        with staff.expect_response(lambda r: "status=paid" in r.url):
            staff.get_by_label("Status").select_option("paid")
        expect(staff.locator("#results")).to_contain_text("No invoice matches.")
        expect(staff).to_have_url(re.compile(r"status=paid"))
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
