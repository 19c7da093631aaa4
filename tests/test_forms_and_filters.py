"""Issue 19 items 4, 6 and the form and list parts of 10, through HTTP: every failed form answers
with one error summary at the top of its page (role="alert", a link per message to its field,
autofocus), an htmx fragment carries its own; Decline asks for the reason and the name; the
request form's JavaScript-off "Update" keeps every field; one filter bar (Search, Status,
Apply) on every list; "Comments" on every thread; the brand colour's picker; no role buttons on
your own row."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import Shop, utcnow
from tests.factories import PASSWORD

HTMX = {"HX-Request": "true"}
SUMMARY = re.compile(r'<div class="error-summary" role="alert" tabindex="-1" autofocus '
                     r'aria-labelledby="error-summary-title">(.*?)</div>', re.S)


def summary(body: str) -> str:
    """The page's one error summary (fails unless there is exactly one)."""
    found = SUMMARY.findall(body)
    assert len(found) == 1, f"{len(found)} error summaries"
    assert '<h2 id="error-summary-title">There is a problem</h2>' in found[0]
    return found[0]


def links(body: str) -> list[tuple[str, str]]:
    """(field id, message) of each link of the page's error summary."""
    return [(field, html.unescape(message)) for field, message in
            re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary(body))]


def ids(body: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', body))


def main_start(body: str) -> str:
    """What comes before the page's first <form> or card inside <main>: where a phone's first
    screen is."""
    main = body.split('<main id="main">', 1)[1]
    return re.split(r'<form |<section class="card"(?! narrow)|<p class="muted">', main, 1)[0]


@pytest.fixture
def admin(make, shop):
    return make.staff(shop, role="admin", email="ava@harbor.example", name="Ava Admin")


@pytest.fixture
def console(app, admin):
    client = app.test_client()
    client.login_staff(admin.email, PASSWORD)
    return client


@pytest.fixture
def units(make, acme):
    depot, yard = make.location(acme, "Main depot"), make.location(acme, "North yard")
    return {"depot": depot, "yard": yard,
            "T-101": make.asset(acme, "T-101", depot), "T-102": make.asset(acme, "T-102", depot),
            "T-201": make.asset(acme, "T-201", yard)}


@pytest.fixture
def estimate(make, acme):
    return make.estimate(acme, number="EST-0001", lines=[
        ("Replace front brake pads", 1, 32000, False), ("Cabin air filter", 1, 4500, True)])


# --- the error summary -----------------------------------------------------------------------

def test_a_refused_decision_answers_with_the_summary_first(portal, estimate, dana):
    page = portal.get(f"/estimates/{estimate.id}").get_data(as_text=True)
    assert "error-summary" not in page  # nothing failed yet
    assert "both are required" in page and "Required to decline" in page
    response = portal.post_form(f"/estimates/{estimate.id}/decision", {
        "version": "1", "decision": "approve_selected", "line": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert links(body) == [("signed_name", "Type your name: it is your signature.")]
    assert "error-summary" in main_start(body)  # right after the heading, before the page
    assert 'id="signed_name-msg">Type your name: it is your signature.</p>' in body  # and there
    assert "signed_name" in ids(body)

    # Decline asks for the reason and the name, both linked.
    body = portal.post_form(f"/estimates/{estimate.id}/decision", {
        "version": "1", "decision": "decline"}).get_data(as_text=True)
    assert links(body) == [
        ("signed_name", "Type your name: it is your signature."),
        ("reason", "Tell Harbor Diesel why you decline, so they can offer something else.")]
    assert {"signed_name", "reason"} <= ids(body)
    # A message not about one field is in the summary without a link.
    body = portal.post_form(f"/estimates/{estimate.id}/decision", {
        "decision": "approve_all", "signed_name": "Dana Ortiz"}).get_data(as_text=True)
    assert "<li>This form is out of date. Reload the page and decide again.</li>" in \
        summary(body)


def test_a_refused_comment_summary_is_in_the_fragment_or_on_top_of_the_page(portal, estimate,
                                                                           units, dana, make):
    url = f"/estimates/{estimate.id}/comments"
    fragment = portal.post_form(url, {"body": ""}, headers=HTMX)
    assert fragment.status_code == 422
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card" id="thread">')
    assert links(body) == [("body", "Write your comment first.")]  # htmx focuses autofocus
    page = portal.post_form(url, {"body": ""})
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and links(body) == [("body", "Write your comment first.")]
    assert "error-summary" in main_start(body)  # one summary, at the top: not in the thread

    # A service request's thread is "Comments" too, with the same forms.
    item = make.service_request(dana, units["depot"], units["T-101"])
    page = portal.get(f"/requests/{item.id}").get_data(as_text=True)
    assert "<h2>Comments</h2>" in page and ">Post comment</button>" in page
    assert "Messages" not in page and "Send message" not in page


def test_every_console_form_uses_the_summary(console, acme, estimate, make, shop):
    # A customer without a name, a contact without an email, an estimate without a customer,
    # an invoice issued with a due date before its issue date, an invitation to nobody, the
    # settings with an unreadable colour.
    cases = [
        ("/staff/customers/new", {"name": ""}, [("name", "Enter the customer's name.")]),
        (f"/staff/customers/{acme.id}/contacts/new", {"name": "Lee", "email": "not-an-email"},
         [("email", "Enter an email address like name@example.com.")]),
        ("/staff/users/invite", {"name": "", "email": "", "role": "staff"}, None),
        ("/staff/estimates/new", {"customer_id": "", "valid_until": ""}, None),
    ]
    for url, data, expected in cases:
        response = console.post_form(url, data)
        assert response.status_code == 422, url
        body = response.get_data(as_text=True)
        found = links(body)
        assert found, url
        if expected is not None:
            assert found == expected, (url, found)
        assert {field for field, _ in found} <= ids(body), url  # every link leads somewhere
    draft = make.invoice(acme, state="draft", number="INV-0009")
    yesterday = (utcnow() - timedelta(days=3)).date().isoformat()
    body = console.post_form(f"/staff/invoices/{draft.id}/issue", {"due_on": yesterday}
                             ).get_data(as_text=True)
    assert [field for field, _ in links(body)] == ["due_on"]
    body = console.post_form("/staff/settings", {"name": "Harbor Diesel",
                                                 "brand_color": "#ffff00",
                                                 "timezone": "America/New_York",
                                                 "payment_terms_days": "30"}
                             ).get_data(as_text=True)
    assert [field for field, _ in links(body)] == ["brand_color"]
    assert "Nothing was saved yet." in summary(body)


def test_the_login_pages_use_the_summary(app, dana, admin):
    for url in ("/login", "/staff/login"):
        client = app.test_client()
        response = client.post_form(url, {"email": dana.email if url == "/login" else
                                          admin.email, "password": "wrong password here"})
        assert response.status_code == 422
        assert "That email and password don&#39;t match" in summary(
            response.get_data(as_text=True))


# --- the request form without JavaScript -----------------------------------------------------

def test_update_without_javascript_keeps_all_five_fields(portal, units, read):
    """JS off: pick location, asset, date, urgency, type a description, press Update, reload:
    all five are there."""
    form = portal.get("/requests/new").get_data(as_text=True)
    token = re.search(r'name="draft_token" value="([^"]+)"', form).group(1)
    assert 'class="update js-off-only"' in form  # hidden while JavaScript runs
    date = (utcnow() + timedelta(days=9)).date().isoformat()
    response = portal.post_form("/requests/new/draft", {
        "draft_token": token, "location_id": str(units["depot"].id),
        "asset": str(units["T-102"].id), "desired_date": date, "urgency": "urgent",
        "description": "Air leak at the rear axle", "action": "update"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/requests/new")
    page = portal.get("/requests/new").get_data(as_text=True)
    assert f'<option value="{units["depot"].id}" selected>Main depot</option>' in page
    assert re.search(rf'<option value="{units["T-102"].id}" selected>T-102', page)
    assert f'value="{date}"' in page
    assert '<option value="urgent" selected>' in page
    assert ">Air leak at the rear axle</textarea>" in page

    # "Asset not listed" and its description are kept too, and the rest stays.
    portal.post_form("/requests/new/draft", {"draft_token": token, "asset": "not_listed",
                                             "location_id": str(units["depot"].id)})
    portal.post_form("/requests/new/draft", {
        "draft_token": token, "asset": "not_listed", "location_id": str(units["depot"].id),
        "asset_description": "Yellow forklift", "desired_date": date, "urgency": "urgent",
        "description": "Air leak at the rear axle", "action": "update"})
    page = portal.get("/requests/new").get_data(as_text=True)
    assert 'value="Yellow forklift"' in page and ">Air leak at the rear axle</textarea>" in page
    assert '<option value="not_listed" selected>' in page and f'value="{date}"' in page

    # A refused submit: the summary names each field, everything typed is kept.
    response = portal.post_form("/requests/new", {"draft_token": token, "description": " "})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert links(body) == [("description", "Describe what needs doing.")]
    assert "Everything you entered is kept." in summary(body)
    assert 'value="Yellow forklift"' in body


def test_javascript_only_buttons_carry_the_class_css_hides(portal, estimate, app):
    page = portal.get(f"/estimates/{estimate.id}").get_data(as_text=True)
    assert re.search(r'<p class="update js-off-only"><button [^>]*>Update total</button>', page)
    css = (app.static_folder + "/css/portal.css")
    with open(css, encoding="utf-8") as sheet:
        text = sheet.read()
    assert "@media (scripting:enabled){.js-off-only{display:none}}" in text


# --- one filter bar ----------------------------------------------------------------------------

PORTAL_LISTS = ("/invoices", "/estimates", "/work-orders", "/requests", "/assets")


def _filter_bar(body: str) -> str:
    bars = re.findall(r'<form method="get" [^>]*class="filter-bar" role="search".*?</form>', body,
                      re.S)
    assert len(bars) == 1, f"{len(bars)} filter bars"
    return bars[0]


def test_every_list_has_one_filter_bar_with_search_status_and_apply(portal, console, acme, units,
                                                                   make):
    consoles = ("/staff/invoices", "/staff/estimates", "/staff/work-orders", "/staff/requests",
                "/staff/customers", "/staff/email-log", f"/staff/customers/{acme.id}/assets",
                "/staff/preview", "/staff/inbox")
    for client, urls in ((portal, PORTAL_LISTS), (console, consoles)):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            bar = _filter_bar(response.get_data(as_text=True))
            assert re.search(r'<label for="(q|domain)">Search</label>', bar), url
            assert bar.rstrip("</form>").rstrip().endswith('<button class="btn">Apply</button>'), url
            if "customers" not in url and "preview" not in url and "assets" not in url:
                assert '<label for="status">Status</label>' in bar, url
            for old in (">Filter<", ">Show<", ">Search</button>"):
                assert old not in bar, (url, old)
    assert '<label for="location">Location</label>' in _filter_bar(
        portal.get("/assets").get_data(as_text=True))


def test_the_request_lists_filter_by_status_and_search(portal, console, dana, units, make):
    urgent = make.service_request(dana, units["depot"], units["T-101"])
    closed = make.service_request(dana, units["yard"], units["T-201"], status="closed")

    def shown(client, url, headers=None):
        body = client.get(url, headers=headers or {}).get_data(as_text=True)
        return {int(n) for n in re.findall(r"<strong>#(\d+) ", body)}

    assert shown(portal, "/requests") == {urgent.id, closed.id}
    assert shown(portal, "/requests?status=closed") == {closed.id}
    assert shown(portal, "/requests?q=t-2") == {closed.id}
    assert shown(portal, f"/requests?q=%23{urgent.id}") == {urgent.id}
    assert shown(portal, "/requests?q=t-1", HTMX) == {urgent.id}  # the results fragment
    assert shown(console, "/staff/requests") == {urgent.id}  # open ones by default
    assert shown(console, "/staff/requests?status=all") == {urgent.id, closed.id}
    assert shown(console, "/staff/requests?status=all&q=acme") == {urgent.id, closed.id}
    assert shown(console, "/staff/requests?status=all&q=birch") == set()
    assert shown(portal, "/requests?status=nonsense&q=%E2%91%A0") == set()  # no 500


# --- settings and users ------------------------------------------------------------------------

def test_the_brand_colour_has_a_picker_and_the_typed_hex_wins(console, shop, read):
    page = console.get("/staff/settings").get_data(as_text=True)
    assert re.search(r'<input type="color" id="brand_color_picker" name="brand_color_picker" '
                     r'value="#1f5f8b"', page)
    assert '<label for="brand_color_picker" class="picker">Pick' in page
    base = {"name": "Harbor Diesel", "timezone": "America/New_York",
            "payment_terms_days": "30", "tax_name": "Sales tax"}

    def colour():
        return read(lambda: db.session.scalar(select(Shop.brand_color).where(
            Shop.id == shop.id)))

    # Only the picker moved (JavaScript on or off): its colour is taken.
    console.post_form("/staff/settings", {**base, "brand_color": "#1f5f8b",
                                          "brand_color_picker": "#7a1f5c"})
    assert colour() == "#7a1f5c"
    # Both moved: what was typed wins.
    console.post_form("/staff/settings", {**base, "brand_color": "#224466",
                                          "brand_color_picker": "#335577"})
    assert colour() == "#224466"
    # A picked colour white text can't be read on: refused next to the hex field, which shows it.
    response = console.post_form("/staff/settings", {**base, "brand_color": "#224466",
                                                     "brand_color_picker": "#ffee00"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and [f for f, _ in links(body)] == ["brand_color"]
    assert 'value="#ffee00"' in body and colour() == "#224466"


def test_the_inbox_filters_by_status_and_search(console, dana, units, make, acme, shop):
    item = make.service_request(dana, units["depot"], units["T-101"])
    make.inbox_item(item, dana, summary="Urgent request")
    birch = make.customer(shop, "Birch Construction")
    make.inbox_item(make.estimate(birch, number="EST-0042"), summary="Declined")
    make.inbox_item(make.estimate(acme, number="EST-0043"), summary="Approved",
                    handled_at=utcnow())

    def shown(url):
        body = console.get(url).get_data(as_text=True)
        return sorted(re.findall(r"(Urgent request|Declined|Approved)", body.split("<ol", 1)[-1]))

    assert shown("/staff/inbox") == ["Declined", "Urgent request"]
    assert shown("/staff/inbox?q=birch") == ["Declined"]
    assert shown("/staff/inbox?q=est-0042") == ["Declined"]
    assert shown("/staff/inbox?status=handled") == ["Approved"]
    assert shown("/staff/inbox?show=handled&q=acme") == ["Approved"]
    assert shown("/staff/inbox?q=%25") == []  # a LIKE wildcard is a character


def test_no_role_or_deactivate_buttons_on_your_own_row(console, admin, make, shop):
    other = make.staff(shop, role="admin", email="ben@harbor.example", name="Ben Admin")
    page = console.get("/staff/users").get_data(as_text=True)
    rows = re.findall(r'<li class="person">(.*?)</li>', page, re.S)
    mine = next(row for row in rows if admin.email in row)
    theirs = next(row for row in rows if other.email in row)
    for label in ("Make Staff", "Make Administrator", "Deactivate"):
        assert label not in mine
    assert "Make Staff" in theirs and "Deactivate" in theirs
    assert "changed by another Administrator" in mine
