"""Work orders through HTTP: status changes, lines, additional work the customer approves or
declines like an estimate, and the thread; plus what both documents share (foreign ids,
hostile text, pages that htmx asks for whole)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import Approval, Comment, Estimate, WorkOrder, WorkOrderLine
from tests.conftest import wait_for
from tests.factories import PASSWORD

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    unit = make.asset(acme, "T-201")
    return {"shop": shop, "acme": acme, "unit": unit,
            "dana": make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example"),
            "admin": make.staff(shop, role="admin", email="ava@harbor.example", name="Ava"),
            "work_order": make.work_order(acme, lines=[("DOT inspection", 1, 18500)],
                                          asset_id=unit.id)}


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


def _state(read, work_order_id):
    return read(lambda: (db.session.get(WorkOrder, work_order_id).status, [
        (line.description, line.approval_state)
        for line in db.session.get(WorkOrder, work_order_id).lines]))


def test_request_approval_then_the_customer_approves_selected_work(staff, portal, world, read,
                                                                   mailbox):
    wo = world["work_order"]
    page = staff.get(f"/staff/work-orders/{wo.id}").get_data(as_text=True)
    assert "Request approval</a>" in page and ">Update status</button>" in page
    form = staff.get(f"/staff/work-orders/{wo.id}/additional-work").get_data(as_text=True)
    based_on = re.search(r'name="based_on" type="hidden" value="(\d+)"', form).group(1)
    data = {"based_on": based_on, "note": "Found during the inspection.", "action": "request",
            "lines-0-description": "Air brake hose", "lines-0-quantity": "1",
            "lines-0-unit_price": "165.00", "lines-1-description": "Marker lights",
            "lines-1-quantity": "4", "lines-1-unit_price": "24.00"}
    first = staff.post_form(f"/staff/work-orders/{wo.id}/additional-work", data)
    second = staff.post_form(f"/staff/work-orders/{wo.id}/additional-work", data)  # 2nd click
    assert first.status_code == second.status_code == 303
    assert _state(read, wo.id) == ("awaiting_approval", [
        ("DOT inspection", "approved"), ("Air brake hose", "pending"),
        ("Marker lights", "pending")])
    email = wait_for(lambda: mailbox.to("dana@acme.example"))
    assert len(email) == 1 and "Air brake hose" in email[0].text
    assert "Found during the inspection." in email[0].text
    assert "1 work order</strong></a> with additional work" in portal.get("/").get_data(True)
    listing = portal.get("/work-orders").get_data(as_text=True)
    assert "Waiting for your approval" in listing

    detail = portal.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    hose = re.search(r'name="line" value="(\d+)"', detail).group(1)
    assert ">Approve selected</button>" in detail and ">Decline</button>" in detail
    total = portal.post_form(f"/work-orders/{wo.id}/total", {"line": hose, "version": "1"},
                             headers={**HTMX, "HX-Target": "div#totals"})
    assert "$165.00" in total.get_data(as_text=True) and "<html" not in total.get_data(True)
    nothing = portal.post_form(f"/work-orders/{wo.id}/decision", {
        "version": "1", "signed_name": "Dana Ortiz", "decision": "approve_selected"})
    assert nothing.status_code == 422 and "Tick the lines you approve" in nothing.get_data(True)
    done = portal.post_form(f"/work-orders/{wo.id}/decision", {
        "version": "1", "line": hose, "signed_name": "Dana Ortiz", "po_number": "PO-55",
        "decision": "approve_selected"})
    assert done.status_code == 303
    assert _state(read, wo.id) == ("in_progress", [
        ("DOT inspection", "approved"), ("Air brake hose", "approved"),
        ("Marker lights", "declined")])
    approval = read(lambda: db.session.scalar(select(Approval)))
    assert (approval.work_order_id, approval.version, approval.decision, approval.po_number) \
        == (wo.id, 1, "partially_approved", "PO-55")
    for client, url in ((portal, f"/work-orders/{wo.id}"), (staff, f"/staff/work-orders/{wo.id}")):
        body = client.get(url).get_data(as_text=True)
        assert "Partially approved · receipt" in body and "PO-55" in body
        assert "$350.00" in body  # 185 + 165 approved
    assert any("Air brake hose" in m.text for m in
               wait_for(lambda: mailbox.to(world["admin"].email)))
    again = portal.post_form(f"/work-orders/{wo.id}/decision", {
        "version": "1", "signed_name": "Dana Ortiz", "decision": "approve_all"})
    assert again.status_code == 409


def test_a_newer_request_for_approval_refuses_the_old_page(make, portal, world, read):
    wo = make.work_order(world["acme"], pending=[("Air hose", 1, 16500)])
    with_new = read(lambda: db.session.get(WorkOrder, wo.id))
    assert with_new.approval_round == 1
    from tests.security.helpers import commit

    def second_round():
        row = db.session.get(WorkOrder, wo.id)
        row.approval_round = 2
        row.lines.append(WorkOrderLine(position=9, description="Mud flaps", quantity=2,
                                       unit_price_cents=3000, approval_state="pending",
                                       approval_round=2))
    commit(make.app, second_round)
    response = portal.post_form(f"/work-orders/{wo.id}/decision", {
        "version": "1", "signed_name": "Dana Ortiz", "decision": "approve_all"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "This request for additional work changed" in body
    assert "Added Mud flaps: 2 × $30.00" in body
    assert read(lambda: db.session.get(WorkOrder, wo.id)).status == "awaiting_approval"


def test_status_changes_and_line_edits(staff, portal, world, read):
    wo = world["work_order"]
    bad = staff.post_form(f"/staff/work-orders/{wo.id}/status", {"status": "awaiting_approval"})
    assert bad.status_code == 422
    assert staff.post_form(f"/staff/work-orders/{wo.id}/status",
                           {"status": "completed"}).status_code == 303
    assert read(lambda: db.session.get(WorkOrder, wo.id)).status == "completed"
    assert "Completed" in portal.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    edit = staff.get(f"/staff/work-orders/{wo.id}/edit").get_data(as_text=True)
    assert 'value="DOT inspection"' in edit
    assert staff.post_form(f"/staff/work-orders/{wo.id}/edit", {
        "description": "Annual inspection", "action": "save",
        "lines-0-description": "DOT inspection", "lines-0-quantity": "1",
        "lines-0-unit_price": "185.00", "lines-1-description": "Shop supplies",
        "lines-1-quantity": "1", "lines-1-unit_price": "12.50"}).status_code == 303
    assert _state(read, wo.id)[1] == [("DOT inspection", "approved"),
                                      ("Shop supplies", "approved")]
    assert "$197.50" in portal.get(f"/work-orders/{wo.id}").get_data(as_text=True)


def test_work_order_thread(staff, portal, world, read, mailbox):
    wo = world["work_order"]
    response = portal.post_form(f"/work-orders/{wo.id}/comments", {"body": "Keys at the gate"},
                                headers=HTMX)
    assert response.status_code == 200 and "Keys at the gate" in response.get_data(True)
    assert "Keys at the gate" in staff.get(f"/staff/work-orders/{wo.id}").get_data(True)
    reply = staff.post_form(f"/staff/work-orders/{wo.id}/reply", {"body": "Got them."},
                            headers=HTMX)
    assert reply.status_code == 200 and "Got them." in reply.get_data(as_text=True)
    assert any("Got them." in m.text for m in wait_for(lambda: mailbox.to("dana@acme.example")))
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Comment))) == 2


def test_foreign_estimates_and_work_orders_are_404_and_unchanged(app, make, world, read):
    birch = make.customer(world["shop"], "Birch Construction")
    ben = make.active_contact(birch, name="Ben Birch", email="ben@birch.example")
    other_shop = make.shop("Summit Fleet")
    outsider = make.staff(other_shop, role="admin", email="boss@summit.example")
    estimate = make.estimate(world["acme"], lines=[("Brake job", 1, 50000, True)])
    wo = make.work_order(world["acme"], pending=[("Air hose", 1, 16500)])
    customer = app.test_client()
    customer.login_portal(ben.email, PASSWORD)
    posts = {f"/estimates/{estimate.id}/decision": {"version": "1", "signed_name": "Ben",
                                                    "decision": "approve_all"},
             f"/estimates/{estimate.id}/total": {"version": "1"},
             f"/estimates/{estimate.id}/comments": {"body": "hi"},
             f"/work-orders/{wo.id}/decision": {"version": "1", "signed_name": "Ben",
                                                "decision": "approve_all"},
             f"/work-orders/{wo.id}/total": {"version": "1"},
             f"/work-orders/{wo.id}/comments": {"body": "hi"}}
    for headers in ({}, HTMX):
        for url in (f"/estimates/{estimate.id}", f"/estimates/{estimate.id}/print",
                    f"/work-orders/{wo.id}", f"/work-orders/{wo.id}/print"):
            assert customer.get(url, headers=headers).status_code == 404, url
        for url, data in posts.items():
            assert customer.post_form(url, data, headers=headers).status_code == 404, url
    admin = app.test_client()
    admin.login_staff(outsider.email, PASSWORD)
    for url in (f"/staff/estimates/{estimate.id}", f"/staff/estimates/{estimate.id}/edit",
                f"/staff/work-orders/{wo.id}", f"/staff/work-orders/{wo.id}/additional-work"):
        assert admin.get(url).status_code == 404, url
    for url, data in ((f"/staff/estimates/{estimate.id}/send", {}),
                      (f"/staff/estimates/{estimate.id}/convert", {}),
                      (f"/staff/estimates/{estimate.id}/reply", {"body": "x"}),
                      (f"/staff/work-orders/{wo.id}/status", {"status": "closed"}),
                      (f"/staff/work-orders/{wo.id}/reply", {"body": "x"})):
        assert admin.post_form(url, data).status_code == 404, url
    assert "Acme" not in admin.get("/staff/estimates").get_data(as_text=True)
    for listing in ("/staff/estimates", "/staff/work-orders"):
        response = admin.get(f"{listing}?customer_id={world['acme'].id}")
        assert response.status_code == 404 and "Acme" not in response.get_data(as_text=True)
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Approval))) == 0
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Comment))) == 0
    assert read(lambda: db.session.get(WorkOrder, wo.id)).status == "awaiting_approval"
    assert read(lambda: db.session.get(Estimate, estimate.id)).status == "sent"


HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)> {{7*7}} hx-get="/x"'


def _escaped(html: str, where: str) -> None:
    assert "<script>alert(1)" not in html and "<img src=x" not in html, where
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, where


def test_hostile_text_is_stored_as_typed_and_escaped_everywhere(staff, portal, world, read,
                                                                mailbox):
    """Lines, notes, reasons, names, PO numbers and comments: kept exactly, escaped in pages,
    fragments and emails."""
    line = HOSTILE[:150]
    assert staff.post_form("/staff/estimates/new", {
        "customer_id": str(world["acme"].id), "valid_until": "", "notes": HOSTILE,
        "action": "save", "lines-0-description": line, "lines-0-quantity": "1",
        "lines-0-unit_price": "10", "lines-1-description": line + " opt",
        "lines-1-quantity": "1", "lines-1-unit_price": "5",
        "lines-1-optional": "y"}).status_code == 303
    estimate = read(lambda: db.session.scalar(select(Estimate)))
    assert read(lambda: [l.description for l in db.session.get(Estimate, estimate.id).lines]) \
        == [line, line + " opt"]
    assert staff.post_form(f"/staff/estimates/{estimate.id}/send").status_code == 303
    fragment = portal.post_form(f"/estimates/{estimate.id}/comments", {"body": HOSTILE},
                                headers=HTMX).get_data(as_text=True)
    _escaped(fragment, "comment fragment")
    reply = staff.post_form(f"/staff/estimates/{estimate.id}/reply", {"body": HOSTILE},
                            headers=HTMX).get_data(as_text=True)
    _escaped(reply, "reply fragment")
    name, po = HOSTILE[:120], HOSTILE[:60]
    decided = portal.post_form(f"/estimates/{estimate.id}/decision", {
        "version": "1", "signed_name": name, "po_number": po, "reason": HOSTILE,
        "decision": "decline"})
    assert decided.status_code == 303, decided.get_data(as_text=True)[-3000:]
    approval = read(lambda: db.session.scalar(select(Approval)))
    assert (approval.signed_name, approval.po_number, approval.reason) == (name, po, HOSTILE)
    assert read(lambda: db.session.scalars(select(Comment.body)).all()) == [HOSTILE, HOSTILE]
    for client, url in ((portal, f"/estimates/{estimate.id}"),
                        (portal, f"/estimates/{estimate.id}/print"), (portal, "/estimates"),
                        (staff, f"/staff/estimates/{estimate.id}"),
                        (staff, f"/staff/estimates/{estimate.id}/print")):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page, url
    _escaped(portal.get(f"/estimates/{estimate.id}").get_data(as_text=True), "estimate page")

    wo = world["work_order"]
    assert staff.post_form(f"/staff/work-orders/{wo.id}/additional-work", {
        "based_on": "0", "note": HOSTILE, "action": "request", "lines-0-description": line,
        "lines-0-quantity": "1", "lines-0-unit_price": "1"}).status_code == 303
    _escaped(portal.get(f"/work-orders/{wo.id}").get_data(as_text=True), "work order page")
    totals = portal.post_form(f"/work-orders/{wo.id}/total", {"version": "1"},
                              headers=HTMX).get_data(as_text=True)
    assert "<script>" not in totals

    def html_of(address, marker):
        messages = wait_for(lambda: [m for m in mailbox.to(address) if marker in m.subject])
        assert messages, (address, marker)
        return [m.message.get_body(("html",)).get_content() for m in messages]

    for body in html_of(world["admin"].email, "commented") + \
            html_of(world["admin"].email, "declined") + html_of("dana@acme.example", "replied") + \
            html_of("dana@acme.example", "additional work"):
        _escaped(body, "email")
    decided_text = [m.text for m in mailbox.to(world["admin"].email) if "declined" in m.subject]
    assert HOSTILE in decided_text[0]  # the text part carries it exactly as typed


def test_comments_on_estimates_and_work_orders_share_the_per_person_budget(portal, world, make,
                                                                         read):
    estimate = make.estimate(world["acme"])
    wo = world["work_order"]
    statuses = [portal.post_form(url, {"body": f"Message {n}"}).status_code for n, url in
                enumerate([f"/estimates/{estimate.id}/comments",
                           f"/work-orders/{wo.id}/comments"] * 4)]
    assert statuses == [303] * 6 + [429, 429], statuses
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Comment))) == 6
