"""Delete draft, through HTTP: staff delete a draft estimate or invoice with its lines from its
page (a confirmation inside a <details>, so no JavaScript is needed), and land on the list. A
sent estimate or an issued invoice stays, another shop's is a 404, a second click or tab is
told the draft is gone, customers never see the button nor reach the route. A draft too big
for today's limits (saved before them) is deleted like any other."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from portal_app.extensions import db
from portal_app.models import (
    AuditEntry,
    Comment,
    Estimate,
    EstimateLine,
    Invoice,
    InvoiceLine,
    WorkOrder,
)
from portal_app.services import drafts, invoice_balances
from tests.factories import PASSWORD

LINES = [("Coolant flush", 1, 21000, False), ("Thermostat", 1, 8900, True)]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    other = make.shop("Summit Fleet")
    return {"shop": shop, "acme": acme, "t102": make.asset(acme, "T-102"),
            "dana": make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example"),
            "staff": make.staff(shop, email="sam@harbor.example", name="Sam Service"),
            "other_admin": make.staff(other, role="admin", email="ava@summit.example")}


@pytest.fixture
def staff(app, world):
    client = app.test_client()
    client.login_staff(world["staff"].email, PASSWORD)
    return client


@pytest.fixture
def portal(app, world):
    client = app.test_client()
    client.login_portal(world["dana"].email, PASSWORD)
    return client


def _count(read, model, *where) -> int:
    return read(lambda: db.session.scalar(select(func.count()).select_from(model).where(*where)))


def _confirmation(html: str, action: str) -> str:
    """The Delete draft <details> of a page: its summary opens a form posting to `action`."""
    found = re.search(r'<details class="confirm">\s*<summary class="btn danger">Delete draft'
                      r'</summary>\s*<form method="post" action="' + re.escape(action) +
                      r'".*?</form>\s*</details>', html, re.S)
    assert found, f"no Delete draft posting to {action}"
    form = found.group(0)
    assert 'name="csrf_token"' in form and ">Delete draft</button>" in form
    return form


def _flash(client, url: str) -> str:
    return client.get(url).get_data(as_text=True)


def test_staff_delete_a_draft_estimate_with_its_lines_from_its_page(staff, world, make, read):
    draft = make.estimate(world["acme"], lines=LINES, status="draft", number="EST-0005",
                          asset_id=world["t102"].id)
    make.comment(draft, "Check the price of the thermostat first.", staff=world["staff"])
    kept = make.estimate(world["acme"], lines=LINES, status="draft", number="EST-0006")
    url = f"/staff/estimates/{draft.id}/delete"
    for page in (f"/staff/estimates/{draft.id}", f"/staff/estimates/{draft.id}/edit"):
        form = _confirmation(staff.get(page).get_data(as_text=True), url)
        assert "Delete draft EST-0005 and its 2 lines?" in form
        assert '<input type="hidden" name="number" value="EST-0005">' in form
    response = staff.post_form(url, {"number": "EST-0005"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/estimates"
    listing = _flash(staff, "/staff/estimates")
    assert "Draft EST-0005 deleted." in listing and ">EST-0005<" not in listing
    assert ">EST-0006<" in listing
    assert _count(read, Estimate, Estimate.id == draft.id) == 0
    assert _count(read, EstimateLine, EstimateLine.estimate_id == draft.id) == 0
    assert _count(read, Comment, Comment.estimate_id == draft.id) == 0
    assert _count(read, EstimateLine, EstimateLine.estimate_id == kept.id) == 2
    entry = read(lambda: db.session.scalar(select(AuditEntry)))
    assert (entry.action, entry.actor_staff_id) == ("estimate_draft_deleted", world["staff"].id)
    assert entry.detail == "EST-0005 for Acme Logistics: 2 lines, $210.00"
    asset = staff.get(f"/staff/assets/{world['t102'].id}").get_data(as_text=True)
    assert "EST-0005" not in asset


def test_delete_draft_answers_htmx_with_a_redirect(staff, world, make, read):
    draft = make.estimate(world["acme"], lines=LINES, status="draft")
    response = staff.post_form(f"/staff/estimates/{draft.id}/delete",
                               {"number": draft.number}, headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/staff/estimates")
    assert _count(read, Estimate) == 0


def test_a_second_click_or_tab_is_told_the_draft_is_gone(staff, world, make, read):
    draft = make.estimate(world["acme"], lines=LINES, status="draft", number="EST-0007")
    invoice = make.invoice(world["acme"], state="draft", number="INV-0031")
    for url, number, listing in ((f"/staff/estimates/{draft.id}/delete", "EST-0007",
                                  "/staff/estimates"),
                                 (f"/staff/invoices/{invoice.id}/delete", "INV-0031",
                                  "/staff/invoices")):
        first = staff.post_form(url, {"number": number})
        assert first.status_code == 303, url
        staff.get(listing)  # the first tab reads its message
        again = staff.post_form(url, {"number": number})
        assert again.status_code == 303 and again.headers["Location"] == listing
        assert f"{number} was deleted already." in _flash(staff, listing)
        assert staff.post_form(url, {"number": number}, headers=HTMX).status_code == 204
        # Without the number the form carries, a missing id is any missing id: 404.
        assert staff.post_form(url).status_code == 404
    assert _count(read, AuditEntry) == 2


def test_a_sent_estimate_and_an_issued_invoice_stay(staff, world, make, read):
    sent = make.estimate(world["acme"], lines=LINES, number="EST-0008")
    issued = make.invoice(world["acme"], number="INV-0032")
    for url, page, number in (
            (f"/staff/estimates/{sent.id}/delete", f"/staff/estimates/{sent.id}", "EST-0008"),
            (f"/staff/invoices/{issued.id}/delete", f"/staff/invoices/{issued.id}",
             "INV-0032")):
        assert "Delete draft" not in staff.get(page).get_data(as_text=True)
        response = staff.post_form(url, {"number": number})
        assert response.status_code == 303 and response.headers["Location"] == page
        assert "only a draft can be deleted" in _flash(staff, page)
    assert _count(read, Estimate, Estimate.status == "sent") == 1
    assert _count(read, Invoice, Invoice.state == "open") == 1
    assert _count(read, AuditEntry) == 0


def test_sent_or_issued_a_moment_ago_in_another_tab_it_stays(app, world, make, read):
    """The page was a draft's; another tab sent (issued) it before the delete ran: the
    conditional DELETE finds no draft and says so."""
    draft = make.estimate(world["acme"], lines=LINES, status="draft", number="EST-0009")
    invoice = make.invoice(world["acme"], state="draft", number="INV-0033")
    with app.app_context():
        estimate = db.session.get(Estimate, draft.id)
        bill = db.session.get(Invoice, invoice.id)
        estimate.lines, bill.lines  # loaded, as the view loads them
        with db.engine.begin() as other_tab:
            other_tab.execute(update(Estimate).where(Estimate.id == draft.id)
                              .values(status="sent", version=1))
            other_tab.execute(update(Invoice).where(Invoice.id == invoice.id)
                              .values(state="open"))
        with pytest.raises(drafts.NotADraft, match="EST-0009 was sent a moment ago"):
            drafts.delete_estimate(estimate, None)
        with pytest.raises(drafts.NotADraft, match="INV-0033 was issued a moment ago"):
            drafts.delete_invoice(bill, None)
        db.session.rollback()
        db.session.remove()
    assert _count(read, Estimate) == 1 and _count(read, Invoice) == 1
    assert _count(read, EstimateLine) == 2 and _count(read, InvoiceLine) == 1


def test_another_shops_draft_is_a_404(app, world, make, read):
    draft = make.estimate(world["acme"], lines=LINES, status="draft", number="EST-0010")
    invoice = make.invoice(world["acme"], state="draft", number="INV-0034")
    other = app.test_client()
    other.login_staff(world["other_admin"].email, PASSWORD)
    for url, number in ((f"/staff/estimates/{draft.id}/delete", "EST-0010"),
                        (f"/staff/invoices/{invoice.id}/delete", "INV-0034")):
        for data in ({}, {"number": number}):
            for headers in ({}, HTMX):
                assert other.post_form(url, data, headers=headers).status_code == 404, url
    assert _count(read, Estimate) == 1 and _count(read, Invoice) == 1
    # Deleted by its own shop, it is still a 404 for the other shop (each shop's log).
    mine = app.test_client()
    mine.login_staff(world["staff"].email, PASSWORD)
    assert mine.post_form(f"/staff/estimates/{draft.id}/delete",
                          {"number": "EST-0010"}).status_code == 303
    assert other.post_form(f"/staff/estimates/{draft.id}/delete",
                           {"number": "EST-0010"}).status_code == 404


def test_customers_never_see_the_button_nor_reach_the_route(portal, world, make):
    sent = make.estimate(world["acme"], lines=LINES)
    draft = make.estimate(world["acme"], lines=LINES, status="draft")
    issued = make.invoice(world["acme"])
    draft_invoice = make.invoice(world["acme"], state="draft")
    for page in ("/estimates", f"/estimates/{sent.id}", "/invoices", f"/invoices/{issued.id}",
                 "/"):
        assert "Delete draft" not in portal.get(page).get_data(as_text=True), page
    for url in (f"/estimates/{draft.id}/delete", f"/estimates/{sent.id}/delete",
                f"/invoices/{draft_invoice.id}/delete", f"/invoices/{issued.id}/delete"):
        for headers in ({}, HTMX):
            assert portal.post_form(url, {"number": "x"}, headers=headers).status_code == 404
    for url in (f"/staff/estimates/{draft.id}/delete",
                f"/staff/invoices/{draft_invoice.id}/delete"):
        response = portal.post_form(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def _open_totals(read, shop_id: int):
    return read(lambda: (invoice_balances.open_totals(shop_id, None, _today()),
                         list(invoice_balances.differences()),
                         invoice_balances.total_differences()))


def _today():
    from portal_app.models import utcnow

    return utcnow().date()


def test_a_draft_invoice_goes_and_every_total_stays_right(staff, world, make, read):
    """Open invoices and their totals do not move; a draft made from a work order goes, and
    the work order can be invoiced again."""
    make.invoice(world["acme"], lines=[("Brake service", 1, 48000)], number="INV-0040")
    paid = make.invoice(world["acme"], number="INV-0041")
    make.payment(paid, 4000)
    work_order = make.work_order(world["acme"], status="completed")
    created = staff.post_form(f"/staff/work-orders/{work_order.id}/invoice")
    assert created.status_code == 303
    draft_id = int(created.headers["Location"].rsplit("/", 1)[1])
    page = staff.get(f"/staff/work-orders/{work_order.id}").get_data(as_text=True)
    assert "Invoiced:" in page
    number = read(lambda: db.session.get(Invoice, draft_id).number)
    before = _open_totals(read, world["shop"].id)
    form = _confirmation(staff.get(f"/staff/invoices/{draft_id}").get_data(as_text=True),
                         f"/staff/invoices/{draft_id}/delete")
    assert f"Delete draft invoice {number} and its 1 line?" in form
    response = staff.post_form(f"/staff/invoices/{draft_id}/delete", {"number": number})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/invoices"
    assert f"Draft {number} deleted." in _flash(staff, "/staff/invoices")
    assert _count(read, Invoice, Invoice.id == draft_id) == 0
    assert _count(read, InvoiceLine, InvoiceLine.invoice_id == draft_id) == 0
    after = _open_totals(read, world["shop"].id)
    assert after == before and after[1] == [] and after[2] == []
    assert "Invoiced:" not in staff.get(f"/staff/work-orders/{work_order.id}").get_data(True)
    again = staff.post_form(f"/staff/work-orders/{work_order.id}/invoice")
    assert again.status_code == 303
    assert read(lambda: db.session.scalar(select(Invoice.work_order_id).where(
        Invoice.state == "draft"))) == work_order.id


HUGE = Decimal("9999.99"), 99_999_999  # 9,999.99 x 999,999.99: over the document limit


def test_a_draft_too_big_for_the_limits_can_be_deleted(staff, world, make, read):
    """The shop stuck with a draft of an enormous total (saved before the limits): its list,
    page and edit page answer, and Delete draft removes it."""
    estimate = make.estimate(world["acme"], status="draft", number="EST-0099",
                             lines=[("Typo in the quantity", *HUGE, False)])
    invoice = make.invoice(world["acme"], state="draft", number="INV-0099",
                           lines=[("Typo in the quantity", *HUGE)])
    for kind, document in (("estimates", estimate), ("invoices", invoice)):
        urls = [f"/staff/{kind}", f"/staff/{kind}?q={document.number[:3]}",
                f"/staff/{kind}?status=draft",
                f"/staff/{kind}/{document.id}", f"/staff/{kind}/{document.id}/edit",
                f"/staff/{kind}/{document.id}/print"]
        for url in urls:
            assert staff.get(url).status_code == 200, url
        assert "$9,999,989,900.00" in staff.get(f"/staff/{kind}/{document.id}").get_data(
            as_text=True)
        _confirmation(staff.get(f"/staff/{kind}/{document.id}/edit").get_data(as_text=True),
                      f"/staff/{kind}/{document.id}/delete")
        response = staff.post_form(f"/staff/{kind}/{document.id}/delete",
                                   {"number": document.number})
        assert response.status_code == 303, kind
        listing = staff.get(f"/staff/{kind}")
        assert listing.status_code == 200 and f"Draft {document.number} deleted." in \
            listing.get_data(as_text=True)
    assert _count(read, Estimate) == 0 and _count(read, Invoice) == 0


def test_a_new_estimate_of_1000_times_25000_can_be_deleted(staff, world, read):
    """The issue's case: one line of 1000 x 25,000.00 on a new estimate is saved (within the
    limits) and then deleted from its page; the list answers throughout."""
    data = {"customer_id": str(world["acme"].id), "unit_number": "", "location_id": "",
            "valid_until": "", "notes": "", "action": "save",
            "lines-0-description": "Engine rebuild", "lines-0-kind": "parts",
            "lines-0-quantity": "1000", "lines-0-unit_price": "25,000.00"}
    saved = staff.post_form("/staff/estimates/new", data)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:500]
    page = staff.get(saved.headers["Location"]).get_data(as_text=True)
    assert "$25,000,000.00" in page
    estimate = read(lambda: db.session.scalar(select(Estimate)))
    _confirmation(page, f"/staff/estimates/{estimate.id}/delete")
    assert staff.get("/staff/estimates").status_code == 200
    assert staff.post_form(f"/staff/estimates/{estimate.id}/delete",
                           {"number": estimate.number}).status_code == 303
    assert staff.get("/staff/estimates").status_code == 200
    assert _count(read, Estimate) == 0 and _count(read, EstimateLine) == 0
