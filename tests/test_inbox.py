"""The staff inbox through HTTP (issue 19, item 1): each customer action makes exactly one open
item naming the customer, the contact and the document; Mark handled (once, whoever clicks
twice) and a staff reply on the document handle it; staff emails say who did what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import InboxItem, utcnow
from tests.conftest import wait_for
from tests.factories import PASSWORD

HTMX = {"HX-Request": "true"}
ACCOUNT = "acct_inbox"


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    depot = make.location(acme, "Main depot")
    other = make.shop("Summit Fleet")
    cedar = make.customer(other, "Cedar Haulage")
    return {"shop": shop, "acme": acme, "depot": depot,
            "t101": make.asset(acme, "T-101", depot),
            "dana": make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example",
                                        is_billing=True),
            "sam": make.staff(shop, email="sam@harbor.example", name="Sam Service"),
            "ava": make.staff(shop, role="admin", email="ava@harbor.example", name="Ava Admin"),
            "other": other, "cedar": cedar,
            "bea": make.active_contact(cedar, name="Bea Bee", email="bea@cedar.example"),
            "summit_admin": make.staff(other, role="admin", email="admin@summit.example")}


@pytest.fixture
def portal(app, world):
    client = app.test_client()
    client.login_portal(world["dana"].email, PASSWORD)
    return client


@pytest.fixture
def staff(app, world):
    client = app.test_client()
    client.login_staff(world["sam"].email, PASSWORD)
    return client


def items(read, *where):
    """The inbox items, oldest first, as what each names."""
    return read(lambda: [
        {"kind": i.kind, "customer": i.customer.name, "contact": i.contact_name,
         "number": i.document_number, "type": i.document_type, "id": i.document_id,
         "summary": i.summary, "amount": i.amount_cents, "reason": i.reason,
         "urgent": i.urgent, "handled_how": i.handled_how, "item_id": i.id,
         "handled_by": i.handled_by_label, "handled_at": i.handled_at}
        for i in db.session.scalars(select(InboxItem).where(*where).order_by(InboxItem.id))])


def subjects(mailbox, address: str, count: int = 1) -> list[str]:
    found = wait_for(lambda: len(mailbox.to(address)) >= count and mailbox.to(address))
    assert found, f"no email reached {address}"
    return [m.subject for m in found]


def open_count(staff) -> int:
    page = staff.get("/staff/inbox").get_data(as_text=True)
    return int(re.search(r'<span id="inbox-open-count">(\d+)</span>', page).group(1))


def decide(portal, path, decision, **fields):
    data = {"version": "1", "signed_name": "Dana Ortiz", "decision": decision, **fields}
    response = portal.post_form(f"{path}/decision", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    return response


LINES = [("Front brake pads and rotors", 1, 68000, False), ("Wiper blades", 1, 4500, True)]


# --- each customer action makes one item ---------------------------------------------------

def test_approve_all_makes_one_item_listed_with_customer_contact_and_document(
        portal, staff, make, world, read, mailbox):
    estimate = make.estimate(world["acme"], lines=LINES, number="EST-0006")
    decide(portal, f"/estimates/{estimate.id}", "approve_all", po_number="PO-77")
    found = items(read)
    assert len(found) == 1
    assert {k: found[0][k] for k in ("kind", "customer", "contact", "number", "type", "id",
                                     "amount", "summary")} == {
        "kind": "approved", "customer": "Acme Logistics", "contact": "Dana Ortiz",
        "number": "EST-0006", "type": "estimate", "id": estimate.id, "amount": 72500,
        "summary": "Approved: $725.00 (PO PO-77)"}
    page = staff.get("/staff/inbox").get_data(as_text=True)
    assert "<strong>Acme Logistics</strong> · Dana Ortiz" in page
    assert f'<a href="/staff/estimates/{estimate.id}">EST-0006</a>: Approved: $725.00' in page
    assert ">Mark handled</button>" in page and open_count(staff) == 1
    for address in ("sam@harbor.example", "ava@harbor.example"):
        assert "Acme Logistics approved EST-0006: $725.00" in subjects(mailbox, address)


def test_partial_approval_says_what_of_how_much(portal, staff, make, world, read, mailbox):
    estimate = make.estimate(world["acme"], lines=LINES, number="EST-0007")
    decide(portal, f"/estimates/{estimate.id}", "approve_selected")  # the optional line unticked
    [item] = items(read)
    assert (item["kind"], item["amount"], item["summary"]) == (
        "partial", 68000, "Partially approved: $680.00 of $725.00")
    assert "Partially approved: $680.00 of $725.00" in staff.get("/staff/inbox").get_data(True)
    assert "Acme Logistics partially approved EST-0007: $680.00" in \
        subjects(mailbox, "sam@harbor.example")


def test_decline_keeps_the_reason(portal, staff, make, world, read, mailbox):
    estimate = make.estimate(world["acme"], lines=LINES, number="EST-0008")
    decide(portal, f"/estimates/{estimate.id}", "decline",
           reason="Too dear <b>this</b> quarter\nmaybe in spring")
    [item] = items(read)
    assert (item["kind"], item["amount"], item["reason"]) == (
        "declined", 72500, "Too dear <b>this</b> quarter\nmaybe in spring")
    page = staff.get("/staff/inbox").get_data(as_text=True)
    assert "Declined: $725.00" in page
    assert "Reason: Too dear &lt;b&gt;this&lt;/b&gt; quarter" in page  # escaped
    assert "Acme Logistics declined EST-0008" in subjects(mailbox, "sam@harbor.example")


def test_additional_work_decided(portal, staff, make, world, read, mailbox):
    wo = make.work_order(world["acme"], pending=[("Air brake hose", 1, 16500)],
                         number="WO-0002")
    decide(portal, f"/work-orders/{wo.id}", "approve_all")
    [item] = items(read)
    assert (item["kind"], item["number"], item["type"], item["amount"], item["summary"]) == (
        "additional_work", "WO-0002", "work_order", 16500, "Approved additional work: $165.00")
    assert f'<a href="/staff/work-orders/{wo.id}">WO-0002</a>' in \
        staff.get("/staff/inbox").get_data(as_text=True)
    assert "Acme Logistics approved additional work on WO-0002: $165.00" in \
        subjects(mailbox, "sam@harbor.example")


def test_a_comment_on_each_kind_of_document(portal, staff, make, world, read, mailbox):
    request = make.service_request(world["dana"], world["depot"], world["t101"])
    estimate = make.estimate(world["acme"], number="EST-0010")
    wo = make.work_order(world["acme"], number="WO-0011")
    invoice = make.invoice(world["acme"], number="INV-0012")
    documents = [(f"/requests/{request.id}", "service_request", f"request #{request.id}",
                  f"/staff/requests/{request.id}", "Request"),
                 (f"/estimates/{estimate.id}", "estimate", "EST-0010",
                  f"/staff/estimates/{estimate.id}", "EST-0010"),
                 (f"/work-orders/{wo.id}", "work_order", "WO-0011",
                  f"/staff/work-orders/{wo.id}", "WO-0011"),
                 (f"/invoices/{invoice.id}", "invoice", "INV-0012",
                  f"/staff/invoices/{invoice.id}", "INV-0012")]
    for n, (path, *_rest) in enumerate(documents):
        headers = HTMX if n % 2 else {}
        response = portal.post_form(f"{path}/comments", {"body": f"Question {n}\nsecond line"},
                                    headers=headers)
        assert response.status_code in (200, 303), (path, response.status_code)
    found = items(read)
    assert [(i["kind"], i["type"], i["number"], i["customer"], i["contact"]) for i in found] == [
        ("comment", kind, number, "Acme Logistics", "Dana Ortiz")
        for _, kind, number, _, _ in documents]
    assert found[0]["summary"] == "Commented: “Question 0 second line”"
    page = staff.get("/staff/inbox").get_data(as_text=True)
    for _, _, _, console_page, label in documents:
        assert f'<a href="{console_page}">{label}' in page
    assert open_count(staff) == 4
    sent = subjects(mailbox, "sam@harbor.example", 4)
    for number in (f"request #{request.id}", "EST-0010", "WO-0011", "INV-0012"):
        assert f"Acme Logistics commented on {number}" in sent
    # the invoice's thread shows on both sides
    assert "Question 3" in portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Question 3" in staff.get(f"/staff/invoices/{invoice.id}").get_data(as_text=True)


def test_requests_urgent_first_then_the_oldest(portal, staff, world, read, mailbox):
    soon = (utcnow() + timedelta(days=3)).date().isoformat()
    for urgency, text in (("routine", "Oil change when convenient"),
                          ("urgent", "Unit is down on the highway")):
        response = portal.post_form("/requests/new", {
            "location_id": str(world["depot"].id), "asset": str(world["t101"].id),
            "desired_date": soon, "urgency": urgency, "description": text})
        assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    routine, urgent = items(read)
    assert (routine["kind"], routine["urgent"], urgent["urgent"]) == ("request", False, True)
    assert urgent["summary"] == "Requested service (Urgent) for T-101: Unit is down on the highway"
    page = staff.get("/staff/inbox").get_data(as_text=True)
    assert page.index("Unit is down") < page.index("Oil change")  # the newer, urgent one first
    assert '<em class="urgent">Urgent</em>' in page
    sent = subjects(mailbox, "sam@harbor.example", 2)
    assert "Acme Logistics requested service (Urgent): T-101" in sent
    assert "Acme Logistics requested service: T-101" in sent
    dashboard = staff.get("/staff/").get_data(as_text=True)
    assert "Waiting in the inbox" in dashboard and "Inbox (2 open)" in dashboard
    assert dashboard.index("Unit is down") < dashboard.index("Oil change")


def test_open_items_oldest_first_and_the_dashboard_shows_five(staff, make, world, read):
    request = make.service_request(world["dana"], world["depot"], world["t101"])
    start = utcnow() - timedelta(days=3)
    for n in range(7):  # written newest first: the list must sort, not follow the ids
        make.inbox_item(request, world["dana"], summary=f"Commented: “Note {n}”",
                        created_at=start - timedelta(hours=n))
    page = staff.get("/staff/inbox").get_data(as_text=True)
    order = [int(n) for n in re.findall(r"Note (\d)", page)]
    assert order == [6, 5, 4, 3, 2, 1, 0]
    dashboard = staff.get("/staff/").get_data(as_text=True)
    assert [int(n) for n in re.findall(r"Note (\d)", dashboard)] == [6, 5, 4, 3, 2]
    assert "Inbox (7 open)" in dashboard and "Mark handled" not in dashboard


def test_online_payment_succeeded_and_failed(app, portal, staff, make, world, read,
                                             fake_stripe):
    from tests.test_payments import checkout_id, deliver, pay

    fake_stripe.add_account(ACCOUNT)
    make.payment_settings(world["shop"], stripe_account_id=ACCOUNT, bank_transfer_enabled=True)
    paid = make.invoice(world["acme"], lines=[("Brakes", 2, 12550)], number="INV-0020")
    event = fake_stripe.complete_checkout(checkout_id(pay(portal, paid)), outcome="card")
    assert deliver(portal, fake_stripe, event).status_code == 200
    assert deliver(portal, fake_stripe, event).status_code == 200  # delivered twice: one item
    failed = make.invoice(world["acme"], lines=[("Service", 1, 45000)], number="INV-0021")
    session_id = checkout_id(pay(portal, failed, "ach"))
    deliver(portal, fake_stripe, fake_stripe.complete_checkout(session_id, outcome="ach"))
    # one item for the card payment; a bank payment on its way is nothing to answer yet
    assert [i["kind"] for i in items(read)] == ["payment_succeeded"]
    event = fake_stripe.settle_ach(session_id, succeeded=False, failure_code="R01")
    assert deliver(portal, fake_stripe, event).status_code == 200
    found = items(read)
    assert [(i["kind"], i["number"], i["type"], i["amount"], i["contact"]) for i in found] == [
        ("payment_succeeded", "INV-0020", "invoice", 25100, "Dana Ortiz"),
        ("payment_failed", "INV-0021", "invoice", 45000, "Dana Ortiz")]
    assert found[0]["summary"] == "Paid $251.00 online (Card)"
    assert found[1]["summary"] == "Online payment of $450.00 (Bank transfer (ACH)) failed"
    assert found[1]["reason"]
    page = staff.get("/staff/inbox").get_data(as_text=True)
    assert f'<a href="/staff/invoices/{paid.id}">INV-0020</a>: Paid $251.00 online' in page
    assert "Payment failed" in page and "Payment received" in page


def test_invitation_accepted(app, client, staff, make, world, read, mailbox):
    lee = make.contact(world["acme"], name="Lee Park", email="lee@acme.example")
    assert staff.post_form(f"/staff/contacts/{lee.id}/invite").status_code == 303
    message = wait_for(lambda: mailbox.to("lee@acme.example"))[0]
    link = re.search(r"http://portal\.test(/invite/[^\s?]+)", message.text).group(1)
    password = "tractor wheel harbor lamp"
    response = client.post_form(link, {"new_password": password,
                                       "confirm_password": password})
    assert response.status_code == 303
    [item] = items(read)
    assert (item["kind"], item["type"], item["id"], item["contact"], item["customer"]) == (
        "invitation_accepted", "customer", world["acme"].id, "Lee Park", "Acme Logistics")
    assert item["summary"] == "Lee Park accepted the portal invitation (lee@acme.example)"
    assert f'<a href="/staff/customers/{world["acme"].id}">Acme Logistics</a>' in \
        staff.get("/staff/inbox").get_data(as_text=True)


# --- handling -------------------------------------------------------------------------------

def test_mark_handled_once_says_who_and_when(app, staff, make, world, read):
    request = make.service_request(world["dana"], world["depot"], world["t101"])
    first = make.inbox_item(request, world["dana"], summary="Commented: “Gate code 4411”")
    make.inbox_item(request, world["dana"], summary="Commented: “Second”")
    assert open_count(staff) == 2
    url = f"/staff/inbox/{first.id}/handled"
    response = staff.post_form(url)
    assert response.status_code == 303 and response.headers["Location"] == "/staff/inbox"
    assert open_count(staff) == 1
    [done] = items(read, InboxItem.id == first.id)
    assert (done["handled_by"], done["handled_how"]) == ("Sam Service", "marked")
    assert "Gate code 4411" not in staff.get("/staff/inbox").get_data(as_text=True)
    handled = staff.get("/staff/inbox?show=handled").get_data(as_text=True)
    assert "Gate code 4411" in handled and "Handled by Sam Service · " in handled
    # a second click, or a colleague's in another tab: harmless, the first name stays
    ava = app.test_client()
    ava.login_staff(world["ava"].email, PASSWORD)
    assert staff.post_form(url).status_code == 303
    assert ava.post_form(url).status_code == 303
    assert "Sam Service had already marked" in ava.get("/staff/inbox").get_data(as_text=True)
    again = items(read, InboxItem.id == first.id)[0]
    assert (again["handled_by"], again["handled_at"]) == (done["handled_by"], done["handled_at"])
    assert open_count(staff) == 1


def test_mark_handled_with_htmx_swaps_the_row(staff, make, world, read):
    request = make.service_request(world["dana"], world["depot"], world["t101"])
    item = make.inbox_item(request, world["dana"])
    make.inbox_item(request, world["dana"])
    response = staff.post_form(f"/staff/inbox/{item.id}/handled", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li class="inbox-item" id="inbox-item-{item.id}">')
    assert "Handled by Sam Service" in body and "Mark handled" not in body
    assert '<hx-partial hx-target="#inbox-open-count" hx-swap="innerHTML">1</hx-partial>' in body
    assert "<html" not in body and response.headers["Vary"].find("HX-Request") >= 0


def test_a_staff_reply_on_the_document_handles_its_items(portal, staff, make, world, read):
    estimate = make.estimate(world["acme"], number="EST-0030")
    request = make.service_request(world["dana"], world["depot"], world["t101"])
    invoice = make.invoice(world["acme"], number="INV-0031")
    for path in (f"/estimates/{estimate.id}", f"/requests/{request.id}",
                 f"/invoices/{invoice.id}"):
        assert portal.post_form(f"{path}/comments", {"body": "Any news?"}).status_code == 303
    assert open_count(staff) == 3
    assert staff.post_form(f"/staff/estimates/{estimate.id}/reply",
                           {"body": "Tomorrow"}).status_code == 303
    assert staff.post_form(f"/staff/invoices/{invoice.id}/reply", {"body": "Sent"},
                           headers=HTMX).status_code == 200
    assert open_count(staff) == 1
    assert staff.post_form(f"/staff/requests/{request.id}/reply",
                           {"body": "On our way"}).status_code == 303
    assert open_count(staff) == 0
    assert {(i["handled_how"], i["handled_by"]) for i in items(read)} == {
        ("replied", "Sam Service")}
    assert "Replied by Sam Service" in staff.get("/staff/inbox?show=handled").get_data(True)
    assert "Nothing is waiting" in staff.get("/staff/inbox").get_data(as_text=True)


def test_another_shops_item_is_404_and_never_listed(app, staff, make, world, read):
    theirs = make.inbox_item(world["cedar"], world["bea"], kind="invitation_accepted",
                             summary="Bea Bee accepted the portal invitation")
    for headers in ({}, HTMX):
        assert staff.post_form(f"/staff/inbox/{theirs.id}/handled",
                               headers=headers).status_code == 404
    assert staff.post_form("/staff/inbox/99999999/handled").status_code == 404
    assert staff.post_form("/staff/inbox/0/handled").status_code == 404
    assert items(read)[0]["handled_at"] is None
    for show in ("", "?show=handled", "?show=<script>", "?page=-1", "?page=abc"):
        response = staff.get(f"/staff/inbox{show}")
        assert response.status_code == 200 and "Bea Bee" not in response.get_data(True)
    summit = app.test_client()
    summit.login_staff("admin@summit.example", PASSWORD)
    assert "Bea Bee accepted" in summit.get("/staff/inbox").get_data(as_text=True)
    assert open_count(summit) == 1 and open_count(staff) == 0


def test_customers_never_reach_the_inbox(portal, make, world):
    request = make.service_request(world["dana"], world["depot"], world["t101"])
    item = make.inbox_item(request, world["dana"])
    assert portal.get("/staff/inbox").status_code == 302
    assert portal.post_form(f"/staff/inbox/{item.id}/handled").status_code == 302
    assert portal.get("/inbox").status_code == 404


def test_mark_handled_needs_the_csrf_token(staff, make, world, read):
    request = make.service_request(world["dana"], world["depot"], world["t101"])
    item = make.inbox_item(request, world["dana"])
    assert staff.post(f"/staff/inbox/{item.id}/handled").status_code == 400
    assert staff.get(f"/staff/inbox/{item.id}/handled").status_code == 405
    assert items(read)[0]["handled_at"] is None


def test_the_demo_has_open_items_to_try(runner, app, read):
    assert runner.invoke(args=["demo"]).exit_code == 0
    found = items(read)
    open_kinds = sorted(i["kind"] for i in found if i["handled_at"] is None)
    assert open_kinds == ["approved", "comment", "declined", "partial", "request"], found
    assert {i["handled_how"] for i in found if i["handled_at"]} == {"replied"}
    staff = app.test_client()
    staff.login_staff("admin@demo-fleet.example", "demo-admin-pass")
    page = staff.get("/staff/").get_data(as_text=True)
    assert "Inbox (5 open)" in page and "Acme Logistics" in page
    assert "Requested service for T-102" in staff.get("/staff/inbox").get_data(as_text=True)


def menu_count(page: str) -> str:
    found = re.search(r'<a href="/staff/inbox"[^>]*>Inbox <span class="count" '
                      r'id="menu-inbox-count">(.*?)</span></a>', page)
    assert found, "the console menu has no Inbox entry"
    return found.group(1)


def test_the_console_menu_counts_open_items_on_every_page(staff, make, world, read):
    """Console menu **Inbox** with the count of open items (loaded with the staff login, so no
    page runs a query more); Mark handled takes it down, with htmx too."""
    assert menu_count(staff.get("/staff/").get_data(as_text=True)) == ""
    request = make.service_request(world["dana"], world["depot"], world["t101"])
    first = make.inbox_item(request, world["dana"])
    make.inbox_item(request, world["dana"])
    for url in ("/staff/", "/staff/customers", f"/staff/requests/{request.id}"):
        assert menu_count(staff.get(url).get_data(as_text=True)) == \
            '2<span class="sr"> open</span>', url
    body = staff.post_form(f"/staff/inbox/{first.id}/handled", headers=HTMX).get_data(
        as_text=True)
    assert ('<hx-partial hx-target="#menu-inbox-count" hx-swap="innerHTML">1<span class="sr"> '
            'open</span></hx-partial>') in body
    assert menu_count(staff.get("/staff/inbox").get_data(as_text=True)).startswith("1<")
    # another shop's open items are not counted
    make.inbox_item(make.service_request(world["bea"], None, None), world["bea"])
    assert menu_count(staff.get("/staff/").get_data(as_text=True)).startswith("1<")
