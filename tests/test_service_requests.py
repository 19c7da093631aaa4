"""Service requests: the server-side draft of the form, submitting, the thread and the inbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import Comment, ServiceRequest, ServiceRequestDraft, WorkOrder, utcnow
from tests.conftest import wait_for
from tests.factories import PASSWORD

HTMX = {"HX-Request": "true"}
DRAFT = "/requests/new/draft"


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    birch = make.customer(shop, "Birch Construction")
    depot, yard = make.location(acme, "Main depot"), make.location(acme, "North yard")
    birch_site = make.location(birch, "Head office")
    return {
        "shop": shop, "acme": acme, "depot": depot, "yard": yard, "birch_site": birch_site,
        "t101": make.asset(acme, "T-101", depot), "t102": make.asset(acme, "T-102", depot),
        "t201": make.asset(acme, "T-201", yard), "b1": make.asset(birch, "B-1", birch_site),
        "dana": make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example"),
        "ben": make.active_contact(birch, name="Ben Birch"),
        "staff": make.staff(shop, email="sam@harbor.example", name="Sam Service"),
        "admin": make.staff(shop, role="admin", email="ava@harbor.example"),
    }


@pytest.fixture
def portal(client, world):
    client.login_portal(world["dana"].email, PASSWORD)
    return client


def _draft(read):
    return read(lambda: db.session.scalar(select(ServiceRequestDraft)))


def _full(world, **overrides):
    """Every field of the form, as a browser posts it on each change."""
    values = {"location_id": "", "asset": "", "desired_date": "", "urgency": "routine",
              "description": ""}
    values.update(overrides)
    return values


def _selected(html: str, name: str) -> str | None:
    select_html = re.search(rf'<select id="{name}".*?</select>', html, re.S).group(0)
    match = re.search(r'<option value="([^"]*)" selected>', select_html)
    return match.group(1) if match else None


def test_form_labels_and_buttons(portal):
    page = portal.get("/requests/new").get_data(as_text=True)
    for label in ("Location", "Asset", "Desired service date", "Urgency", "Description"):
        assert re.search(rf'<label for="\w+">{label}</label>', page), label
    assert ">Submit request</button>" in page and ">Update</button>" in page
    assert "Asset not listed" in page


def test_location_change_re_renders_only_the_asset_field(portal, world, read):
    soon = (utcnow() + timedelta(days=3)).date().isoformat()
    response = portal.post_form(DRAFT, _full(world, desired_date=soon, description="Leak"),
                                headers=HTMX)
    assert response.status_code == 200  # the date's own message, nothing else
    assert response.headers["HX-Retarget"] == "#date-msg"
    response = portal.post_form(DRAFT, _full(world, location_id=str(world["yard"].id),
                                             desired_date=soon, description="Leak"),
                                headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#asset-field"
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="asset-field">')
    assert "T-201" in body and "T-101" not in body and "location_id" not in body
    draft = _draft(read)
    assert (draft.location_id, draft.desired_date.isoformat(), draft.description) == \
        (world["yard"].id, soon, "Leak")


def test_choosing_an_asset_sets_its_location(portal, world, read):
    portal.post_form(DRAFT, _full(world, location_id=str(world["yard"].id), description="x"),
                     headers=HTMX)
    response = portal.post_form(DRAFT, _full(world, location_id=str(world["yard"].id),
                                             asset=str(world["t101"].id), description="x"),
                                headers=HTMX)
    assert response.headers["HX-Retarget"] == "#place-fields"
    body = response.get_data(as_text=True)
    assert _selected(body, "location_id") == str(world["depot"].id)
    assert _selected(body, "asset") == str(world["t101"].id)
    draft = _draft(read)
    assert (draft.location_id, draft.asset_id, draft.description) == \
        (world["depot"].id, world["t101"].id, "x")
    # an asset at the same location needs no re-render
    response = portal.post_form(DRAFT, _full(world, location_id=str(world["depot"].id),
                                             asset=str(world["t102"].id), description="x"),
                                headers=HTMX)
    assert response.status_code == 204


def test_date_urgency_and_description_re_render_nothing_else(portal, world, read):
    base = _full(world, location_id=str(world["depot"].id), asset=str(world["t101"].id))
    portal.post_form(DRAFT, base, headers=HTMX)
    later = (utcnow() + timedelta(days=9)).date().isoformat()
    response = portal.post_form(DRAFT, {**base, "desired_date": later}, headers=HTMX)
    assert response.headers["HX-Retarget"] == "#date-msg"
    assert "location_id" not in response.get_data(as_text=True)
    base["desired_date"] = later
    for change in ({"urgency": "urgent"}, {"description": "Brakes squeal"}):
        base.update(change)
        response = portal.post_form(DRAFT, base, headers=HTMX)
        assert response.status_code == 204 and response.get_data() == b""
    draft = _draft(read)
    assert (draft.location_id, draft.asset_id, draft.desired_date.isoformat(), draft.urgency,
            draft.description) == (world["depot"].id, world["t101"].id, later, "urgent",
                                   "Brakes squeal")


def test_fields_in_any_order_survive_a_reload(portal, world):
    soon = (utcnow() + timedelta(days=2)).date().isoformat()
    state = {}
    for field, value in (("desired_date", soon), ("description", "Oil leak"),
                         ("urgency", "soon"), ("location_id", str(world["depot"].id)),
                         ("asset", str(world["t102"].id))):
        state[field] = value
        portal.post_form(DRAFT, _full(world, **state), headers=HTMX)
    page = portal.get("/requests/new").get_data(as_text=True)
    assert _selected(page, "location_id") == str(world["depot"].id)
    assert _selected(page, "asset") == str(world["t102"].id)
    assert _selected(page, "urgency") == "soon"
    assert f'value="{soon}"' in page and ">Oil leak</textarea>" in page


def test_a_field_not_posted_is_kept(portal, world, read):
    portal.post_form(DRAFT, _full(world, description="Keep me", urgency="urgent"), headers=HTMX)
    portal.post_form(DRAFT, {"asset": str(world["t201"].id)}, headers=HTMX)
    draft = _draft(read)
    assert (draft.description, draft.urgency, draft.location_id) == \
        ("Keep me", "urgent", world["yard"].id)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_foreign_location_or_asset_is_refused_and_never_stored(portal, world, read, headers):
    portal.post_form(DRAFT, _full(world, location_id=str(world["depot"].id),
                                  description="Mine"), headers=headers)
    for field, value in (("location_id", world["birch_site"].id), ("asset", world["b1"].id),
                         ("location_id", 999999), ("asset", "abc")):
        response = portal.post_form(DRAFT, _full(world, **{field: str(value)},
                                                 description="Mine too"), headers=headers)
        assert response.status_code == 422, (field, value)
        body = response.get_data(as_text=True)
        assert "Choose one of your" in body
        assert "Head office" not in body and "B-1" not in body
        draft = _draft(read)
        assert draft.location_id in (world["depot"].id, None)
        assert draft.asset_id is None and draft.description == "Mine too"
    response = portal.post_form("/requests/new", _full(
        world, location_id=str(world["birch_site"].id), description="Fix it"), headers=headers)
    assert response.status_code == 422
    assert read(lambda: db.session.scalar(select(func.count()).select_from(ServiceRequest))) == 0


def test_javascript_off_update_button_lists_the_locations_assets(portal, world):
    response = portal.post_form(DRAFT, _full(world, location_id=str(world["yard"].id),
                                             description="Noisy", action="update"))
    assert response.status_code == 303 and response.headers["Location"] == "/requests/new"
    page = portal.get("/requests/new").get_data(as_text=True)
    assets = re.search(r'<select id="asset".*?</select>', page, re.S).group(0)
    assert "T-201" in assets and "T-101" not in assets
    assert ">Noisy</textarea>" in page


def test_asset_not_listed_lets_the_customer_describe_it(portal, world, read):
    response = portal.post_form(DRAFT, _full(world, asset="not_listed"), headers=HTMX)
    assert response.headers["HX-Retarget"] == "#asset-field"
    assert 'id="asset_description"' in response.get_data(as_text=True)
    response = portal.post_form("/requests/new", _full(
        world, location_id=str(world["depot"].id), asset="not_listed", asset_description="",
        description="Trailer lights"))
    assert response.status_code == 422
    assert "Describe the unit" in response.get_data(as_text=True)
    response = portal.post_form("/requests/new", _full(
        world, location_id=str(world["depot"].id), asset="not_listed",
        asset_description="Blue Utility trailer", description="Trailer lights"))
    assert response.status_code == 303
    created = read(lambda: db.session.scalar(select(ServiceRequest)))
    assert created.asset_id is None and created.asset_description == "Blue Utility trailer"


def test_submit_errors_are_clear_and_keep_every_value(portal, world, read):
    past = (utcnow() - timedelta(days=3)).date().isoformat()
    long_text = "Lorem ipsum " * 200
    response = portal.post_form("/requests/new", _full(
        world, asset=str(world["t201"].id), desired_date=past, urgency="urgent",
        description=long_text))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "This date is in the past" in body
    assert "Keep the description under 2,000 characters (it has 2,400)" in body
    assert _selected(body, "asset") == str(world["t201"].id)
    assert _selected(body, "location_id") == str(world["yard"].id)  # from the asset
    assert _selected(body, "urgency") == "urgent" and f'value="{past}"' in body
    assert long_text.strip() in body
    response = portal.post_form("/requests/new", _full(world))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the location" in body and "Describe what needs doing." in body
    # the values are also in the draft: a reload shows them
    assert _selected(portal.get("/requests/new").get_data(as_text=True), "urgency") == "routine"


def test_htmx_date_in_the_past_shows_its_message(portal, world):
    past = (utcnow() - timedelta(days=3)).date().isoformat()
    response = portal.post_form(DRAFT, _full(world, desired_date=past), headers=HTMX)
    assert response.headers["HX-Retarget"] == "#date-msg"
    assert "This date is in the past" in response.get_data(as_text=True)
    response = portal.post_form(DRAFT, _full(world, desired_date="31/12/2026"), headers=HTMX)
    assert "Enter the date as year-month-day" in response.get_data(as_text=True)


def test_submit_creates_the_request_clears_the_draft_and_emails_staff(portal, world, read,
                                                                       mailbox):
    soon = (utcnow() + timedelta(days=4)).date().isoformat()
    portal.post_form(DRAFT, _full(world, asset=str(world["t201"].id)), headers=HTMX)
    response = portal.post_form("/requests/new", _full(
        world, location_id=str(world["yard"].id), asset=str(world["t201"].id),
        desired_date=soon, urgency="soon", description="  Check engine light  "))
    assert response.status_code == 303
    created = read(lambda: db.session.scalar(select(ServiceRequest)))
    assert response.headers["Location"] == f"/requests/{created.id}"
    assert (created.location_id, created.asset_id, created.status, created.description,
            created.contact_id) == (world["yard"].id, world["t201"].id, "submitted",
                                    "Check engine light", world["dana"].id)
    assert _draft(read) is None
    for address in ("sam@harbor.example", "ava@harbor.example"):
        messages = wait_for(lambda: mailbox.to(address))
        assert messages and "T-201" in messages[0].text and "/staff/requests/" in messages[0].text
    page = portal.get("/requests/new").get_data(as_text=True)
    assert _selected(page, "location_id") is None and "Check engine" not in page
    listing = portal.get("/requests").get_data(as_text=True)
    assert f"#{created.id} T-201" in listing and "Submitted" in listing
    assert "1 open request" in portal.get("/").get_data(as_text=True)


def test_foreign_requests_are_404(portal, world, make, read):
    theirs = make.service_request(world["ben"], world["birch_site"], world["b1"])
    for headers in ({}, HTMX):
        assert portal.get(f"/requests/{theirs.id}", headers=headers).status_code == 404
        response = portal.post_form(f"/requests/{theirs.id}/comments", {"body": "Hi"},
                                    headers=headers)
        assert response.status_code == 404
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Comment))) == 0
    assert f"<strong>#{theirs.id} " not in portal.get("/requests").get_data(as_text=True)


def test_thread_customer_comment_and_staff_actions_email_the_other_side(
        portal, world, make, read, mailbox, app):
    item = make.service_request(world["dana"], world["depot"], world["t101"])
    url = f"/requests/{item.id}"
    response = portal.post_form(f"{url}/comments", {"body": ""}, headers=HTMX)
    assert response.status_code == 422 and "Write your comment first." in \
        response.get_data(as_text=True)
    response = portal.post_form(f"{url}/comments", {"body": "Gate code 4411"}, headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card" id="thread">')
    assert "Gate code 4411" in body
    assert wait_for(lambda: [m for m in mailbox.to("sam@harbor.example")
                             if "Gate code 4411" in m.text])

    staff = app.test_client()
    staff.login_staff("sam@harbor.example", PASSWORD)
    inbox = staff.get("/staff/requests").get_data(as_text=True)
    assert f"#{item.id} T-101" in inbox and "Acme Logistics" in inbox
    detail = f"/staff/requests/{item.id}"
    assert "Gate code 4411" in staff.get(detail).get_data(as_text=True)
    past = (utcnow() - timedelta(days=2)).date().isoformat()
    response = staff.post_form(f"{detail}/schedule", {"scheduled_for": past})
    assert response.status_code == 422 and "in the past" in response.get_data(as_text=True)
    day = (utcnow() + timedelta(days=6)).date()
    assert staff.post_form(f"{detail}/schedule",
                           {"scheduled_for": day.isoformat()}).status_code == 303
    assert staff.post_form(f"{detail}/reply", {"body": "See you then"}).status_code == 303
    response = staff.post_form(f"{detail}/convert", {"existing": ""})
    work_order = read(lambda: db.session.scalar(select(WorkOrder)))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/work-orders/{work_order.id}"
    assert (work_order.number, work_order.service_request_id, work_order.asset_id) == \
        ("WO-0001", item.id, world["t101"].id)
    again = staff.post_form(f"{detail}/convert", {"existing": ""})  # a second tab
    assert again.status_code == 303 and again.headers["Location"] == response.headers["Location"]
    assert read(lambda: db.session.scalar(select(func.count()).select_from(WorkOrder))) == 1
    assert staff.post_form(f"{detail}/close", {"note": ""}).status_code == 422
    assert staff.post_form(f"{detail}/close", {"note": "Done, invoice follows"}).status_code \
        == 303
    texts = [m.text for m in wait_for(lambda: len(mailbox.to("dana@acme.example")) >= 4
                                      and mailbox.to("dana@acme.example"))]
    assert len(texts) == 4
    assert any("scheduled for" in t for t in texts) and any("See you then" in t for t in texts)
    assert any("WO-0001" in t for t in texts) and any("Done, invoice follows" in t for t in texts)
    page = portal.get(url).get_data(as_text=True)
    assert "Closed" in page and "See you then" in page
    assert f'<a href="/work-orders/{work_order.id}">WO-0001</a>' in page
    final = read(lambda: db.session.get(ServiceRequest, item.id))
    assert (final.status, final.scheduled_for, final.work_order_reference) == \
        ("closed", day, None)


def test_staff_of_another_shop_get_404(world, make, app, read):
    other = make.shop("Summit Fleet")
    admin = make.staff(other, role="admin")
    item = make.service_request(world["dana"], world["depot"], world["t101"])
    client = app.test_client()
    client.login_staff(admin.email, PASSWORD)
    assert f"<strong>#{item.id} " not in client.get("/staff/requests").get_data(as_text=True)
    for url in (f"/staff/requests/{item.id}", f"/staff/assets/{world['t101'].id}",
                f"/staff/customers/{world['acme'].id}/assets"):
        assert client.get(url).status_code == 404, url
    for action, data in (("schedule", {"scheduled_for": "2099-01-01"}),
                         ("convert", {"existing": ""}), ("close", {"note": "x"}),
                         ("reply", {"body": "x"})):
        assert client.post_form(f"/staff/requests/{item.id}/{action}", data).status_code == 404
    assert read(lambda: db.session.get(ServiceRequest, item.id)).status == "submitted"


def test_one_draft_per_person_and_customer(world, make, app, read):
    """A person who is a contact of two customers keeps one draft for each."""
    other = make.customer(world["shop"], "Cedar Haulage")
    make.active_contact(other, email=world["dana"].email, name="Dana Ortiz")
    client = app.test_client()
    client.login_portal(world["dana"].email, PASSWORD)
    client.post_form(DRAFT, {"description": "For Acme"}, headers=HTMX)
    first_contact = read(lambda: db.session.scalar(select(ServiceRequestDraft.contact_id)))
    accounts = client.get("/accounts").get_data(as_text=True)
    other_contact = int(re.findall(r'name="contact_id" value="(\d+)"', accounts)[-1])
    assert other_contact != first_contact
    assert client.post_form("/accounts", {"contact_id": other_contact}).status_code == 303
    assert "For Acme" not in client.get("/requests/new").get_data(as_text=True)
    client.post_form(DRAFT, {"description": "For Cedar"}, headers=HTMX)
    texts = read(lambda: db.session.scalars(select(ServiceRequestDraft.description)
                                            .order_by(ServiceRequestDraft.id)).all())
    assert texts == ["For Acme", "For Cedar"]


def test_hostile_text_is_stored_as_typed_and_escaped_everywhere(portal, world, read, mailbox):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)> {{7*7}} hx-get="/x"'
    response = portal.post_form("/requests/new", _full(
        world, location_id=str(world["depot"].id), asset="not_listed",
        asset_description=hostile[:150], description=hostile))
    assert response.status_code == 303
    created = read(lambda: db.session.scalar(select(ServiceRequest)))
    assert created.description == hostile
    page = portal.get(f"/requests/{created.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "{{7*7}}" in page
    message = wait_for(lambda: mailbox.to("sam@harbor.example"))[0]
    html = message.message.get_body(("html",)).get_content()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_a_unit_without_location_stays_chosen_when_a_location_is_picked(portal, world, make,
                                                                         read):
    loose = make.asset(world["acme"], "TR-9")  # a trailer with no location
    portal.post_form(DRAFT, _full(world, asset=str(loose.id)), headers=HTMX)
    response = portal.post_form(DRAFT, _full(world, asset=str(loose.id),
                                             location_id=str(world["yard"].id)), headers=HTMX)
    assert _selected(response.get_data(as_text=True), "asset") == str(loose.id)
    assert (_draft(read).asset_id, _draft(read).location_id) == (loose.id, world["yard"].id)


def _clients_of_one_session(app, portal, count: int):
    """`count` test clients sharing the portal client's session cookie (one person, one login,
    many requests in flight, as a double click or parallel tabs make them)."""
    cookie = portal.get_cookie("session")
    clients = []
    for _ in range(count):
        other = app.test_client()
        other.set_cookie("session", cookie.value, domain=cookie.domain)
        clients.append(other)
    return clients


def _token(html: str) -> str:
    return re.search(r'name="draft_token" value="([\w-]+)"', html).group(1)


@pytest.mark.parametrize("saved_first, with_token", [(True, True), (False, True), (False, False)],
                         ids=["draft-saved", "no-draft-yet", "form-without-token"])
def test_ten_parallel_submits_make_one_request(app, portal, world, read, saved_first,
                                               with_token):
    """Issue 8 item 7: one request; every other submit is answered with it; never a 500."""
    import threading

    form = _full(world, location_id=world["depot"].id, description="Brakes squeal")
    if saved_first:
        assert portal.post_form(DRAFT, form, headers=HTMX).status_code in (200, 204)
    page = portal.get("/requests/new").get_data(as_text=True)
    form.update(csrf_token=portal.csrf_token())
    if with_token:
        form["draft_token"] = _token(page)
    clients = _clients_of_one_session(app, portal, 10)
    barrier, responses = threading.Barrier(10), []

    def submit(client):
        barrier.wait()
        responses.append(client.post("/requests/new", data=form))

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = read(lambda: db.session.scalars(select(ServiceRequest.id)).all())
    assert len(ids) == 1, f"{len(ids)} requests from one form"
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303] * 10, statuses
    assert {r.headers["Location"] for r in responses} == {f"/requests/{ids[0]}"}
    assert _draft(read) is None


def test_a_second_tab_or_a_late_click_gets_the_request_already_made(portal, world, read):
    form = _full(world, location_id=world["depot"].id, description="Tyres")
    first_tab = _token(portal.get("/requests/new").get_data(as_text=True))
    second_tab = _token(portal.get("/requests/new").get_data(as_text=True))
    assert first_tab == second_tab  # one draft per person: both tabs submit the same one
    sent = portal.post_form("/requests/new", {**form, "draft_token": first_tab})
    again = portal.post_form("/requests/new", {**form, "draft_token": second_tab})
    assert sent.status_code == again.status_code == 303
    assert sent.headers["Location"] == again.headers["Location"]
    assert "was already sent" in portal.get(again.headers["Location"]).get_data(as_text=True)
    late_save = portal.post_form(DRAFT, {**form, "draft_token": first_tab}, headers=HTMX)
    assert late_save.status_code == 204 and _draft(read) is None  # no draft comes back
    assert read(lambda: db.session.scalar(select(func.count()).select_from(ServiceRequest))) == 1
    # the next form is a new draft that makes a new request
    following = _token(portal.get("/requests/new").get_data(as_text=True))
    assert following != first_tab
    assert portal.post_form("/requests/new", {**form, "draft_token": following}).headers[
        "Location"] != sent.headers["Location"]


def test_comments_have_a_per_person_rate_limit(app, portal, world, make, read, mailbox):
    """Nobody floods the shop's inbox: each comment emails staff, so a person gets a budget
    (6 a minute) across all their documents, and what was refused is neither stored nor sent."""
    first = make.service_request(world["dana"], world["depot"], world["t101"])
    second = make.service_request(world["dana"], world["yard"], world["t201"])
    for _ in range(3):  # an invalid post costs nothing
        assert portal.post_form(f"/requests/{first.id}/comments", {"body": " "}).status_code \
            == 422
    statuses = [portal.post_form(f"/requests/{(first, second)[n % 2].id}/comments",
                                 {"body": f"Message {n}"}).status_code for n in range(8)]
    assert statuses[:6] == [303] * 6 and statuses[6:] == [429, 429], statuses
    refused = portal.post_form(f"/requests/{first.id}/comments", {"body": "more"}, headers=HTMX)
    assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Comment))) == 6
    # another person, and staff, have their own budgets
    other = make.active_contact(world["acme"], name="Lee Park", email="lee@acme.example")
    lee = app.test_client()
    lee.login_portal(other.email, PASSWORD)
    assert lee.post_form(f"/requests/{first.id}/comments", {"body": "Hi"}).status_code == 303
    staff = app.test_client()
    staff.login_staff("sam@harbor.example", PASSWORD)
    assert staff.post_form(f"/staff/requests/{first.id}/reply", {"body": "On it"}).status_code \
        == 303


@pytest.mark.parametrize("odd", ["²", "٣", "99999999999999999999", "2147483648", "-1", "1e3"])
@pytest.mark.parametrize("url", [DRAFT, "/requests/new"])
def test_an_odd_posted_id_gets_the_fields_message(portal, world, read, odd, url):
    """Unicode digits and out-of-range ids in a posted field: the field's message, never a 500
    (isdigit() says yes to "²", int() does not)."""
    response = portal.post_form(url, _full(world, location_id=odd, asset=odd,
                                           description="Kept text"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422, (url, odd, response.status_code)
    assert "Choose one of your locations." in body and "Choose one of your assets" in body
    assert "Kept text" in body
    assert read(lambda: db.session.scalar(select(func.count()).select_from(ServiceRequest))) == 0
