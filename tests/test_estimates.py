"""Estimates through HTTP: staff write, send and change them (versions); customers tick optional
lines, approve or decline the version they saw and read the receipt; both sides comment."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import Approval, Comment, Estimate, EstimateVersion, WorkOrder, utcnow
from tests.conftest import wait_for
from tests.factories import PASSWORD

HTMX = {"HX-Request": "true", "HX-Target": "div#totals"}


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    depot = make.location(acme, "Main depot")
    return {"shop": shop, "acme": acme, "depot": depot,
            "t101": make.asset(acme, "T-101", depot),
            "dana": make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example"),
            "lee": make.contact(acme, name="Lee Park", email="lee@acme.example"),
            "admin": make.staff(shop, role="admin", email="ava@harbor.example", name="Ava Admin"),
            "staff": make.staff(shop, email="sam@harbor.example", name="Sam Service")}


@pytest.fixture
def staff(app, world):
    client = app.test_client()
    client.login_staff(world["admin"].email, PASSWORD)
    return client


@pytest.fixture
def portal(app, world):
    client = app.test_client()
    client.login_portal(world["dana"].email, PASSWORD)
    return client


LINES = [("Front brake pads and rotors", 1, 68000, False), ("Brake fluid flush", 1, 12500, False),
         ("Wiper blades (pair)", 2, 2250, True), ("Cabin air filter", 1, 3900, True)]


@pytest.fixture
def sent(make, world):
    return make.estimate(world["acme"], lines=LINES, asset_id=world["t101"].id)


def _line_ids(read, estimate_id):
    return read(lambda: {line.description: line.id for line in
                         db.session.get(Estimate, estimate_id).lines})


def _form(world, **lines):
    """The estimate form's fields with line rows lines-0-description=... ."""
    data = {"customer_id": str(world["acme"].id), "unit_number": "t-101", "location_id": "",
            "valid_until": (utcnow() + timedelta(days=20)).date().isoformat(), "notes": "",
            "action": "save"}
    data.update(lines)
    return data


def _rows(*rows):
    data = {}
    for i, (description, quantity, price, optional) in enumerate(rows):
        data.update({f"lines-{i}-description": description, f"lines-{i}-quantity": str(quantity),
                     f"lines-{i}-unit_price": price})
        if optional:
            data[f"lines-{i}-optional"] = "y"
    return data


def test_staff_write_a_draft_with_more_lines_and_errors_next_to_the_fields(staff, world, read):
    page = staff.get(f"/staff/estimates/new?customer_id={world['acme'].id}").get_data(True)
    for label in ("Description", "Qty", "Unit price", "Optional", "Valid until", "Unit Number"):
        assert f">{label}</label>" in page, label
    assert ">More lines</button>" in page and ">Save</button>" in page
    more = staff.post_form("/staff/estimates/new", {**_form(world, **_rows(
        ("Oil change", 1, "98.00", False))), "action": "more_lines"})
    assert more.status_code == 200
    body = more.get_data(as_text=True)
    assert 'name="lines-5-description"' in body and 'value="Oil change"' in body
    refused = staff.post_form("/staff/estimates/new", _form(world, **_rows(
        ("Oil change", 1, "ninety", False), ("", "", "12.00", True))))
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Enter an amount like 125.00." in body and "Describe the work or part." in body
    assert 'value="Oil change"' in body and 'value="ninety"' in body
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Estimate))) == 0
    saved = staff.post_form("/staff/estimates/new", _form(world, **_rows(
        ("Oil change", 2, "98.00", False), ("Wipers", 1, "45", True))))
    assert saved.status_code == 303
    estimate = read(lambda: db.session.scalar(select(Estimate)))
    assert saved.headers["Location"] == f"/staff/estimates/{estimate.id}"
    assert (estimate.number, estimate.status, estimate.version, estimate.asset_id,
            estimate.location_id) == ("EST-0001", "draft", 0, world["t101"].id,
                                      world["depot"].id)
    lines = read(lambda: [(l.description, l.quantity, l.unit_price_cents, l.optional)
                          for l in db.session.get(Estimate, estimate.id).lines])
    assert lines == [("Oil change", 2, 9800, False), ("Wipers", 1, 4500, True)]


def test_a_double_click_on_save_makes_one_draft(staff, world, read):
    page = staff.get("/staff/estimates/new").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
    data = {**_form(world, **_rows(("Oil change", 1, "98.00", False))), "submission_key": key}
    first, second = staff.post_form("/staff/estimates/new", data), \
        staff.post_form("/staff/estimates/new", data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Estimate))) == 1


def test_send_to_customer_makes_version_1_and_emails_the_contacts_once(staff, portal, world,
                                                                       make, read, mailbox):
    draft = make.estimate(world["acme"], lines=LINES, status="draft")
    assert portal.get(f"/estimates/{draft.id}").status_code == 404  # drafts are the shop's
    assert draft.number not in portal.get("/estimates").get_data(as_text=True)
    page = staff.get(f"/staff/estimates/{draft.id}").get_data(as_text=True)
    assert ">Send to customer</button>" in page
    assert staff.post_form(f"/staff/estimates/{draft.id}/send").status_code == 303
    sent_page = staff.get(f"/staff/estimates/{draft.id}").get_data(as_text=True)
    assert "Emailed to Dana Ortiz." in sent_page  # who, by name (issue 19 item 8)
    again = staff.post_form(f"/staff/estimates/{draft.id}/send")  # double click
    assert again.status_code == 303
    estimate = read(lambda: db.session.get(Estimate, draft.id))
    assert (estimate.status, estimate.version) == ("sent", 1)
    versions = read(lambda: db.session.scalars(select(EstimateVersion)).all())
    assert [(v.version, len(v.lines)) for v in versions] == [(1, 4)]
    messages = wait_for(lambda: mailbox.to("dana@acme.example"))
    assert len(messages) == 1 and f"/estimates/{draft.id}" in messages[0].text
    assert "$805.00" in messages[0].text  # the required lines; optional ones on top
    assert mailbox.to("lee@acme.example") == []  # not invited: cannot act on it, not emailed
    assert "Waiting for your approval" in portal.get("/estimates").get_data(as_text=True)


def test_the_portal_lists_what_waits_first_and_the_dashboard_counts_it(portal, world, make,
                                                                       read):
    decided = make.estimate(world["acme"], number="EST-0100")
    make.approval(decided, world["dana"])
    waiting = make.estimate(world["acme"], number="EST-0050")
    make.estimate(world["acme"], number="EST-0200", valid_in_days=-2)  # expired
    listing = portal.get("/estimates").get_data(as_text=True)
    assert listing.index("EST-0050") < listing.index("EST-0100")
    assert listing.index("EST-0050") < listing.index("EST-0200")
    assert "Expired" in listing and "Approved" in listing
    only = portal.get("/estimates?status=sent", headers={"HX-Request": "true"})
    assert "<html" not in only.get_data(as_text=True)
    assert "EST-0050" in only.get_data(as_text=True) and "EST-0100" not in \
        only.get_data(as_text=True)
    dashboard = portal.get("/").get_data(as_text=True)
    assert "1 estimate</strong></a> waiting for your approval" in dashboard
    assert f'href="/estimates/{waiting.id}"' in listing


def test_what_waits_first_pages_across_the_two_parts(portal, world, make):
    """Page 1 needs no count (waiting rows come first); page 2 continues the waiting rows and
    then the decided ones; nothing is shown twice or skipped."""
    import re

    for n in range(3):
        make.approval(make.estimate(world["acme"], number=f"EST-09{n:02d}"), world["dana"])
    for n in range(27):
        make.estimate(world["acme"], number=f"EST-05{n:02d}")
    numbers = re.compile(r">(EST-\d{4})<")

    def listed(page):
        body = portal.get(f"/estimates?page={page}").get_data(as_text=True)
        return list(dict.fromkeys(numbers.findall(body))), body

    first, body = listed(1)
    assert len(first) == 25 and all(n.startswith("EST-05") for n in first)
    assert 'rel="next"' in body
    second, body = listed(2)
    assert second[:2] and all(n.startswith("EST-05") for n in second[:2])
    assert [n for n in second if n.startswith("EST-09")] == second[2:]
    assert len(second) == 5 and 'rel="next"' not in body
    assert set(first) | set(second) == {f"EST-05{n:02d}" for n in range(27)} | {
        f"EST-09{n:02d}" for n in range(3)}


def test_ticking_an_optional_line_changes_the_total_with_and_without_javascript(portal, sent,
                                                                                read):
    page = portal.get(f"/estimates/{sent.id}").get_data(as_text=True)
    assert page.count('type="checkbox" name="line"') == 2  # the optional lines only
    assert ">Update total</button>" in page and "$805.00" in page
    ids = _line_ids(read, sent.id)
    fragment = portal.post_form(f"/estimates/{sent.id}/total",
                                {"line": str(ids["Wiper blades (pair)"]), "version": "1"},
                                headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith('<div id="totals"')
    assert "$850.00" in body and "<form" not in body
    plain = portal.post_form(f"/estimates/{sent.id}/total", {
        "line": [str(ids["Wiper blades (pair)"]), str(ids["Cabin air filter"])],
        "version": "1", "signed_name": "Dana O", "po_number": "PO-1"})
    body = plain.get_data(as_text=True)
    assert plain.status_code == 200 and "<html" in body and "$889.00" in body
    assert body.count("checked") == 2 and 'value="Dana O"' in body and 'value="PO-1"' in body


def test_approve_selected_records_the_receipt_for_both_sides(portal, staff, sent, world, read,
                                                             mailbox):
    ids = _line_ids(read, sent.id)
    response = portal.post_form(f"/estimates/{sent.id}/decision", {
        "version": "1", "line": str(ids["Cabin air filter"]), "signed_name": "Dana Ortiz",
        "po_number": "PO-7731", "decision": "approve_selected"},
        headers={"User-Agent": "Pytest browser 1.0"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/estimates/{sent.id}#decision"
    approval = read(lambda: db.session.scalar(select(Approval)))
    assert (approval.decision, approval.version, approval.signed_name, approval.po_number,
            approval.contact_id, approval.user_agent, approval.total_approved_cents) == \
        ("partially_approved", 1, "Dana Ortiz", "PO-7731", world["dana"].id,
         "Pytest browser 1.0", 68000 + 12500 + 3900)
    assert approval.ip_address == "127.0.0.1"
    assert {line["description"]: line["decision"] for line in approval.lines} == {
        "Front brake pads and rotors": "approved", "Brake fluid flush": "approved",
        "Wiper blades (pair)": "declined", "Cabin air filter": "approved"}
    assert read(lambda: db.session.get(Estimate, sent.id)).status == "partially_approved"
    for client, url in ((portal, f"/estimates/{sent.id}"), (staff, f"/staff/estimates/{sent.id}")):
        page = client.get(url).get_data(as_text=True)
        assert "Partially approved · receipt" in page and "PO-7731" in page
        assert "Dana Ortiz" in page and "$844.00" in page and ">Declined</span>" in page
        assert 'name="decision"' not in page  # decided: no buttons any more
    assert "Convert to work order" in staff.get(f"/staff/estimates/{sent.id}").get_data(True)
    message = wait_for(lambda: mailbox.to(world["admin"].email))[0]
    assert "approved part of estimate" in message.text and "PO-7731" in message.text
    assert wait_for(lambda: mailbox.to(world["staff"].email))


def test_decline_needs_a_reason_and_tells_the_shop(portal, sent, world, read, mailbox):
    url = f"/estimates/{sent.id}/decision"
    refused = portal.post_form(url, {"version": "1", "signed_name": "Dana Ortiz",
                                     "po_number": "PO-9", "decision": "decline"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "why you decline" in body and 'value="PO-9"' in body and 'value="Dana Ortiz"' in body
    unsigned = portal.post_form(url, {"version": "1", "reason": "Too much",
                                      "decision": "decline"})
    assert unsigned.status_code == 422 and "Type your name" in unsigned.get_data(as_text=True)
    assert portal.post_form(url, {"version": "1", "signed_name": "Dana Ortiz",
                                  "reason": "Too expensive right now.",
                                  "decision": "decline"}).status_code == 303
    approval = read(lambda: db.session.scalar(select(Approval)))
    assert (approval.decision, approval.reason, approval.total_approved_cents) == \
        ("declined", "Too expensive right now.", 0)
    page = portal.get(f"/estimates/{sent.id}").get_data(as_text=True)
    assert "Declined · receipt" in page and "Too expensive right now." in page
    assert any("Too expensive right now." in m.text
               for m in wait_for(lambda: mailbox.to(world["admin"].email)))


def test_a_decided_estimate_cannot_be_decided_again(portal, sent, read):
    url = f"/estimates/{sent.id}/decision"
    approve = {"version": "1", "signed_name": "Dana Ortiz", "decision": "approve_all"}
    assert portal.post_form(url, approve).status_code == 303
    again = portal.post_form(url, {**approve, "decision": "decline", "reason": "changed mind"})
    assert again.status_code == 409
    assert "already decided" in again.get_data(as_text=True)
    assert read(lambda: db.session.get(Estimate, sent.id)).status == "approved"
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Approval))) == 1


def test_an_expired_estimate_explains_itself(portal, make, world, read):
    old = make.estimate(world["acme"], valid_in_days=-1)
    page = portal.get(f"/estimates/{old.id}").get_data(as_text=True)
    assert "Expired" in page and "it can no longer be approved" in page
    assert 'value="approve_all"' not in page
    response = portal.post_form(f"/estimates/{old.id}/decision", {
        "version": "1", "signed_name": "Dana", "decision": "approve_all"})
    assert response.status_code == 409 and "expired on" in response.get_data(as_text=True)
    assert read(lambda: db.session.get(Estimate, old.id)).status == "sent"


def test_a_change_by_staff_makes_a_new_version_and_refuses_the_old_approval(
        portal, staff, sent, world, read, mailbox):
    page = portal.get(f"/estimates/{sent.id}").get_data(as_text=True)  # Dana has v1 open
    assert '<input type="hidden" name="version" value="1">' in page
    edit = staff.get(f"/staff/estimates/{sent.id}/edit").get_data(as_text=True)
    assert "Saving a change makes version 2" in edit
    based_on = re.search(r'name="based_on" type="hidden" value="(\d+)"', edit).group(1)
    changed = _form(world, **_rows(("Front brake pads and rotors", 1, "720.00", False),
                                   ("Brake fluid flush", 2, "125.00", False),
                                   ("Cabin air filter", 1, "39.00", True),
                                   ("Headlight bulb", 1, "18.00", True)))
    changed["valid_until"] = sent.valid_until.isoformat()
    response = staff.post_form(f"/staff/estimates/{sent.id}/edit", {**changed,
                                                                    "based_on": based_on})
    assert response.status_code == 303
    estimate = read(lambda: db.session.get(Estimate, sent.id))
    assert (estimate.version, estimate.status) == (2, "sent")
    email = [m for m in wait_for(lambda: mailbox.to("dana@acme.example"))][-1]
    assert "version 2" in email.text and "Added Headlight bulb" in email.text
    # the same save again (a double click): nothing changed, no version 3
    staff.post_form(f"/staff/estimates/{sent.id}/edit", {**changed, "based_on": "2"})
    assert read(lambda: db.session.get(Estimate, sent.id)).version == 2

    ids = re.findall(r'name="line" value="(\d+)"', page)
    refused = portal.post_form(f"/estimates/{sent.id}/decision", {
        "version": "1", "line": ids[0], "signed_name": "Dana Ortiz",
        "decision": "approve_selected"})
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "This estimate changed; review the new version" in body
    for change in ("Added Headlight bulb (optional): 1 × $18.00",
                   "Removed Wiper blades (pair) (optional): 2 × $22.50",
                   "Changed Front brake pads and rotors: unit price $680.00 → $720.00",
                   "Changed Brake fluid flush: quantity 1 → 2"):
        assert change in body, change
    assert '<input type="hidden" name="version" value="2">' in body  # the new form
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Approval))) == 0
    assert read(lambda: db.session.get(Estimate, sent.id)).status == "sent"
    assert "What changed in version 2" in portal.get(f"/estimates/{sent.id}").get_data(True)


def test_editing_a_decided_estimate_is_refused(staff, sent, world, make, read):
    make.approval(sent, world["dana"])
    response = staff.get(f"/staff/estimates/{sent.id}/edit")
    assert response.status_code == 303
    response = staff.post_form(f"/staff/estimates/{sent.id}/edit", {
        **_form(world, **_rows(("Other", 1, "1.00", False))), "based_on": "1"})
    assert response.status_code == 303
    assert read(lambda: db.session.get(Estimate, sent.id)).version == 1


def test_convert_to_work_order_takes_the_approved_lines_once(staff, portal, sent, read):
    ids = _line_ids(read, sent.id)
    portal.post_form(f"/estimates/{sent.id}/decision", {
        "version": "1", "line": str(ids["Wiper blades (pair)"]), "signed_name": "Dana Ortiz",
        "decision": "approve_selected"})
    first = staff.post_form(f"/staff/estimates/{sent.id}/convert")
    second = staff.post_form(f"/staff/estimates/{sent.id}/convert")  # double click
    assert first.status_code == second.status_code == 303
    work_order = read(lambda: db.session.scalar(select(WorkOrder)))
    assert first.headers["Location"] == second.headers["Location"] == \
        f"/staff/work-orders/{work_order.id}"
    lines = read(lambda: [(l.description, l.approval_state) for l in
                          db.session.get(WorkOrder, work_order.id).lines])
    assert lines == [("Front brake pads and rotors", "approved"),
                     ("Brake fluid flush", "approved"), ("Wiper blades (pair)", "approved")]
    assert (work_order.number, work_order.estimate_id, work_order.asset_id) == \
        ("WO-0001", sent.id, sent.asset_id)
    assert read(lambda: db.session.get(Estimate, sent.id)).status == "converted"
    assert read(lambda: db.session.scalar(select(func.count()).select_from(WorkOrder))) == 1
    assert "WO-0001" in portal.get(f"/estimates/{sent.id}").get_data(as_text=True)


def test_comments_append_inline_and_post_once(portal, staff, sent, world, read, mailbox):
    page = portal.get(f"/estimates/{sent.id}").get_data(as_text=True)
    assert ">Comment</label>" in page and ">Post comment</button>" in page
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
    url = f"/estimates/{sent.id}/comments"
    empty = portal.post_form(url, {"body": "", "submission_key": key},
                             headers={"HX-Request": "true"})
    assert empty.status_code == 422 and "Write your comment first." in empty.get_data(True)
    data = {"body": "Can you do Thursday?", "submission_key": key}
    fragment = portal.post_form(url, data, headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith('<section class="card" '
                                                                    'id="thread">')
    assert "Can you do Thursday?" in body and "<html" not in body
    assert portal.post_form(url, data, headers={"HX-Request": "true"}).status_code == 200
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Comment))) == 1
    assert any("Can you do Thursday?" in m.text
               for m in wait_for(lambda: mailbox.to(world["admin"].email)))
    console = staff.get(f"/staff/estimates/{sent.id}").get_data(as_text=True)
    assert "Can you do Thursday?" in console and ">Post reply</button>" in console
    reply = staff.post_form(f"/staff/estimates/{sent.id}/reply", {"body": "Thursday works."})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("#thread")
    assert "Thursday works." in portal.get(f"/estimates/{sent.id}").get_data(as_text=True)
    assert any("Thursday works." in m.text
               for m in wait_for(lambda: mailbox.to("dana@acme.example")))


def test_the_assets_history_lists_its_estimates_and_work_orders(portal, staff, world, make):
    shown = make.estimate(world["acme"], number="EST-0042", asset_id=world["t101"].id)
    make.estimate(world["acme"], number="EST-0043", status="draft", asset_id=world["t101"].id)
    make.work_order(world["acme"], number="WO-0042", asset_id=world["t101"].id)
    page = portal.get(f"/assets/{world['t101'].id}").get_data(as_text=True)
    assert f'href="/estimates/{shown.id}"' in page and "WO-0042" in page
    assert "EST-0043" not in page  # a draft is the shop's
    console = staff.get(f"/staff/assets/{world['t101'].id}").get_data(as_text=True)
    assert "EST-0042" in console and "EST-0043" in console and "WO-0042" in console
    assert f"/staff/estimates/new?customer_id={world['acme'].id}&amp;unit_number=T-101" in \
        console


def test_lists_filter_by_status_customer_and_number(staff, world, make):
    birch = make.customer(world["shop"], "Birch Construction")
    make.estimate(world["acme"], number="EST-0001")
    make.estimate(birch, number="EST-0002", status="draft")
    for query, shown, hidden in (("?status=draft", "EST-0002", "EST-0001"),
                                 (f"?customer_id={birch.id}", "EST-0002", "EST-0001"),
                                 ("?q=birch", "EST-0002", "EST-0001"),
                                 ("?q=0001", "EST-0001", "EST-0002")):
        for headers in ({}, {"HX-Request": "true"}):
            body = staff.get(f"/staff/estimates{query}", headers=headers).get_data(as_text=True)
            assert shown in body and hidden not in body, (query, headers)
    page = staff.get(f"/staff/customers/{birch.id}").get_data(as_text=True)
    assert f'href="/staff/estimates?customer_id={birch.id}"' in page
    assert ">Estimates</a>" in staff.get("/staff/").get_data(as_text=True)


def test_update_total_on_a_changed_estimate_says_it_changed(portal, staff, sent, world, read):
    ids = _line_ids(read, sent.id)
    from tests.security.helpers import commit

    def new_version():
        row = db.session.get(Estimate, sent.id)
        row.version = 2
        db.session.add(EstimateVersion(estimate_id=row.id, version=2, lines=[
            line.snapshot() for line in row.lines[:2]], valid_until=row.valid_until, notes=""))
    commit(portal.application, new_version)
    stale = {"version": "1", "line": str(ids["Cabin air filter"])}
    fragment = portal.post_form(f"/estimates/{sent.id}/total", stale, headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 409 and body.lstrip().startswith('<div id="totals"')
    assert "This estimate changed; review the new version" in body
    assert "Removed Cabin air filter" in body
    page = portal.post_form(f"/estimates/{sent.id}/total", stale)
    assert page.status_code == 409 and "<html" in page.get_data(as_text=True)
    assert page.get_data(as_text=True).count("This estimate changed") == 1


def test_the_demo_has_estimates_and_a_work_order_to_try(runner, app, read):
    assert runner.invoke(args=["demo"]).exit_code == 0
    dana = app.test_client()
    dana.login_portal("dana@acme-logistics.example", "demo-customer-pass")
    listing = dana.get("/estimates").get_data(as_text=True)
    for words in ("Waiting for your approval", "Approved", "Declined"):
        assert words in listing, words
    assert "Coolant flush" not in listing and "EST-0005" not in listing  # the draft
    waiting = read(lambda: db.session.scalar(select(Estimate).where(Estimate.number ==
                                                                    "EST-0001")))
    page = dana.get(f"/estimates/{waiting.id}").get_data(as_text=True)
    assert page.count('type="checkbox" name="line"') == 2
    assert "Can you do it on Thursday?" in page and "Drop it off by 8 am" in page
    work_order = read(lambda: db.session.scalar(select(WorkOrder)))
    page = dana.get(f"/work-orders/{work_order.id}").get_data(as_text=True)
    assert "Work in progress" in page and "Replace cracked air brake hose" in page
    assert ">Approve selected</button>" in page and "look at it this afternoon" in page
    assert "waiting for your approval" in dana.get("/").get_data(as_text=True)
