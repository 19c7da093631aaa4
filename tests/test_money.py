"""Money as shops bill it, through HTTP on SQLite and PostgreSQL: line kinds, decimal
quantities, discounts, sales tax stored on documents when sent or issued, tax-exempt customers,
the limits (never a 500, never a half-saved draft), and a work order's invoice, made once."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import Customer, Estimate, Invoice, Shop, WorkOrder
from portal_app.services import pricing
from tests.factories import PASSWORD
from tests.security.test_concurrent_approvals import _race


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel", tax_name="Sales tax", tax_rate=Decimal("8.25"))
    acme = make.customer(shop, "Acme Logistics")
    return {"shop": shop, "acme": acme,
            "dana": make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example"),
            "admin": make.staff(shop, role="admin", email="ava@harbor.example", name="Ava")}


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


def _lines(*rows) -> dict:
    """Form fields of line rows: (description, kind, qty, unit price, discount, taxable)."""
    data = {}
    for i, (description, kind, qty, price, discount, taxable) in enumerate(rows):
        data.update({f"lines-{i}-description": description, f"lines-{i}-kind": kind,
                     f"lines-{i}-quantity": qty, f"lines-{i}-unit_price": price,
                     f"lines-{i}-discount": discount})
        if taxable:
            data[f"lines-{i}-taxable"] = "y"
    return data


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


BRAKES = _lines(("Brake job labour", "labour", "1.5", "120.00", "", False),
                ("Brake pads", "parts", "2", "64.50", "10", True),
                ("Shop supplies", "fee", "0.25", "10.00", "", True))
# labour 1.5 x 120.00 = 180.00; pads 2 x 64.50 less 10 % = 116.10; supplies 0.25 x 10.00 = 2.50
# subtotal 298.60; taxable 118.60 x 8.25 % = 9.7845 -> 9.78; total 308.38


def test_decimal_quantities_kinds_discounts_and_tax_on_an_estimate(staff, portal, world, read):
    acme = world["acme"]
    form = staff.get("/staff/estimates/new").get_data(as_text=True)
    for label in ("Kind", "Qty", "Unit price", "Discount %", "Taxable"):
        assert f">{label}</label>" in form, label
    assert ">Labour</option>" in form and ">Parts</option>" in form and ">Fee</option>" in form
    created = staff.post_form("/staff/estimates/new", {"customer_id": acme.id,
                                                       "valid_until": "", **BRAKES})
    assert created.status_code == 303, _text(created)[:2000]
    estimate_id = int(created.headers["Location"].rsplit("/", 1)[-1])
    page = _text(staff.get(f"/staff/estimates/{estimate_id}"))
    assert "1.5 h" in page and "0.25" in page and "Parts · 10% off · taxed" in page
    assert "Subtotal $298.60" in page and "Tax: Sales tax (8.25%) $9.78" in page
    assert "Total $308.38" in page
    lines = read(lambda: [(line.kind, line.quantity, line.discount, line.taxable,
                           line.amount_cents) for line in db.session.get(
                               Estimate, estimate_id).lines])
    assert lines == [("labour", Decimal("1.5"), Decimal(0), False, 18000),
                     ("parts", Decimal(2), Decimal(10), True, 11610),
                     ("fee", Decimal("0.25"), Decimal(0), True, 250)]

    # Sent at 8.25 %; the shop's rate changes afterwards: what the customer sees stays.
    assert staff.post_form(f"/staff/estimates/{estimate_id}/send").status_code == 303
    read(lambda: (setattr(db.session.get(Shop, world["shop"].id), "tax_rate", Decimal("9.5")),
                  db.session.commit()))
    shown = _text(portal.get(f"/estimates/{estimate_id}"))
    assert "Tax: Sales tax (8.25%) $9.78" in shown and "$308.38" in shown
    assert "$308.38" in _text(portal.get("/estimates"))


def test_the_customer_approves_with_tax_and_the_receipt_shows_subtotal_tax_and_total(
        staff, portal, world, make, read):
    estimate = make.estimate(world["acme"], lines=(("Labour", 2, 10000, False),
                                                   ("Filter", 1, 5000, True)))
    read(lambda: _taxed(Estimate, estimate.id, taxable=("Filter",)))
    page = portal.get(f"/estimates/{estimate.id}").get_data(as_text=True)
    token = re.search(r'name="version" value="(\d+)"', page).group(1)
    decided = portal.post_form(f"/estimates/{estimate.id}/decision", {
        "version": token, "signed_name": "Dana Ortiz", "decision": "approve_all"})
    assert decided.status_code in (303, 200), _text(decided)[:1500]
    receipt = _text(portal.get(f"/estimates/{estimate.id}"))
    # 200.00 labour + 50.00 filter; tax 8.25 % of 50.00 = 4.125 -> 4.13
    assert "Subtotal $250.00" in receipt and "Tax: Sales tax (8.25%) $4.13" in receipt
    assert "Total approved $254.13" in receipt


def _taxed(model, document_id, *, taxable=()):
    """Tick lines taxable and store the shop's rate on a document made by the factories."""
    document = db.session.get(model, document_id)
    for line in document.lines:
        line.taxable = line.description in taxable
    document.tax_name, document.tax_rate = "Sales tax", Decimal("8.25")
    db.session.commit()


def test_a_tax_exempt_customer_pays_no_tax_and_documents_say_so(staff, world, read):
    read(lambda: (setattr(db.session.get(Customer, world["acme"].id), "tax_exempt", True),
                  setattr(db.session.get(Customer, world["acme"].id), "tax_exempt_number",
                          "EX-4471"), db.session.commit()))
    created = staff.post_form("/staff/invoices/new", {
        "customer_id": world["acme"].id, "number": "INV-EX1", "issued_on": "", "due_on": "",
        "memo": "", **BRAKES})
    assert created.status_code == 303, _text(created)[:2000]
    invoice_id = int(created.headers["Location"].rsplit("/", 1)[-1])
    page = _text(staff.get(f"/staff/invoices/{invoice_id}"))
    assert "Tax: Tax exempt (certificate EX-4471) $0.00" in page and "Total $298.60" in page
    assert read(lambda: (db.session.get(Invoice, invoice_id).total_cents,
                         db.session.get(Invoice, invoice_id).tax_cents)) == (29860, 0)


@pytest.mark.parametrize("field, value, message", [
    ("quantity", "abc", "Enter a quantity from 0.01 to 9,999.99"),
    ("quantity", "1.234", "Enter a quantity from 0.01 to 9,999.99"),
    ("quantity", "0", "Enter a quantity from 0.01 to 9,999.99"),
    ("quantity", "10000", "Enter a quantity from 0.01 to 9,999.99"),
    ("quantity", "1e3", "Enter a quantity from 0.01 to 9,999.99"),
    ("quantity", "NaN", "Enter a quantity from 0.01 to 9,999.99"),
    ("quantity", "-1", "Enter a quantity from 0.01 to 9,999.99"),
    ("discount", "101", "Enter a discount from 0 to 100"),
    ("discount", "12.345", "Enter a discount from 0 to 100"),
    ("unit_price", "1000000.00", "Enter a unit price up to $999,999.99"),
    ("unit_price", "21474836.48", "Enter a unit price up to $999,999.99"),
    ("kind", "labor; drop table", "Choose Labour, Parts or Fee"),
])
def test_bad_line_values_get_the_fields_message_and_keep_what_was_typed(staff, world, read,
                                                                        field, value, message):
    data = {"customer_id": world["acme"].id, "valid_until": "",
            **_lines(("Brake job", "parts", "1", "100.00", "", True))}
    data[f"lines-0-{field}"] = value
    before = read(lambda: db.session.scalar(select(func.count()).select_from(Estimate)))
    answer = staff.post_form("/staff/estimates/new", data)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert message in html
    if field != "kind":
        assert f'value="{value}"' in html  # what was typed stays
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Estimate))) == before


def test_large_amounts_are_saved_or_refused_never_a_500(staff, portal, world, make, read):
    """The case that broke a shop on PostgreSQL (32-bit columns and sums): 1000 x 25,000.00
    on a new estimate, invoice and as additional work; the lists answer 200 afterwards. Past
    the document limit, the field's message and nothing saved."""
    big = _lines(("Fleet overhaul", "parts", "1000", "25,000.00", "", False))
    estimate = staff.post_form("/staff/estimates/new", {"customer_id": world["acme"].id,
                                                        "valid_until": "", **big})
    assert estimate.status_code == 303, _text(estimate)[:1500]
    invoice = staff.post_form("/staff/invoices/new", {
        "customer_id": world["acme"].id, "number": "INV-BIG", "issued_on": "", "due_on": "",
        "memo": "", **big})
    assert invoice.status_code == 303, _text(invoice)[:1500]
    work_order = make.work_order(world["acme"], lines=[("Inspection", 1, 18500)])
    form = staff.get(f"/staff/work-orders/{work_order.id}/additional-work").get_data(True)
    based_on = re.search(r'name="based_on" type="hidden" value="(\d+)"', form).group(1)
    extra = staff.post_form(f"/staff/work-orders/{work_order.id}/additional-work", {
        "based_on": based_on, "note": "", "action": "request", **big})
    assert extra.status_code == 303, _text(extra)[:1500]
    for path in ("/staff/estimates", "/staff/estimates?q=EST", "/staff/estimates?status=draft",
                 "/staff/invoices", "/staff/invoices?status=draft", "/staff/work-orders",
                 "/staff/", estimate.headers["Location"], invoice.headers["Location"]):
        answer = staff.get(path)
        assert answer.status_code == 200, path
    assert "$25,000,000.00" in _text(staff.get(estimate.headers["Location"]))
    assert "$25,000,000.00" in _text(staff.get(invoice.headers["Location"]))
    page = portal.get(f"/work-orders/{work_order.id}").get_data(as_text=True)
    assert "$25,000,000.00" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    line = re.search(r'name="line" value="(\d+)"', page).group(1)
    approved = portal.post_form(f"/work-orders/{work_order.id}/decision", {
        "version": version, "signed_name": "Dana Ortiz", "decision": "approve_selected",
        "line": line})
    assert approved.status_code in (200, 303), _text(approved)[:1500]
    assert "$25,000,185.00" in _text(portal.get(f"/work-orders/{work_order.id}"))
    # More work that fits one document alone but not with what the work order has: refused.
    form = staff.get(f"/staff/work-orders/{work_order.id}/additional-work").get_data(True)
    based_on = re.search(r'name="based_on" type="hidden" value="(\d+)"', form).group(1)
    more = staff.post_form(f"/staff/work-orders/{work_order.id}/additional-work", {
        "based_on": based_on, "note": "", "action": "request",
        **_lines(("Second overhaul", "parts", "80", "999,999.99", "", False))})
    assert more.status_code == 422
    assert "a document&#39;s total can be at most $99,999,999.99" in more.get_data(True)
    assert read(lambda: len(db.session.get(WorkOrder, work_order.id).lines)) == 2

    # Past the limit: 9,999.99 x 999,999.99 is 9,999,989,900.00; refused, nothing saved.
    count = read(lambda: db.session.scalar(select(func.count()).select_from(Estimate)))
    huge = staff.post_form("/staff/estimates/new", {
        "customer_id": world["acme"].id, "valid_until": "",
        **_lines(("Too much", "parts", "9999.99", "999,999.99", "", False))})
    assert huge.status_code == 422
    # next to the last line's unit price, and above the form: the error summary (role="alert")
    # links to it
    assert huge.get_data(True).count("a document&#39;s total can be at most $99,999,999.99") == 2
    summary = huge.get_data(True).split('<div class="error-summary" role="alert"', 1)[1]
    assert summary.split("</div>", 1)[0].count('<a href="#lines-0-unit_price">These lines come to') == 1
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Estimate))) == count


def test_line_amounts_round_half_up_once_per_line_and_tax_once_per_document():
    assert pricing.line_amount(Decimal("0.5"), 1, 0) == 1  # 0.5 cent -> 1
    assert pricing.line_amount(Decimal("1.5"), 333, Decimal("10")) == 450  # 449.55 -> 450
    assert pricing.line_amount(Decimal("0.01"), 49, 0) == 0  # 0.49 cent -> 0
    assert pricing.line_amount(Decimal("3"), 1999, Decimal("100")) == 0
    figures = pricing.totals([(333, True), (333, True), (1000, False)],
                             pricing.Tax("Sales tax", Decimal("7.125")))
    # per document: 666 x 7.125 % = 47.4525 -> 47 (per line it would be 24 + 24 = 48)
    assert (figures.subtotal_cents, figures.tax_cents, figures.total_cents) == (1666, 47, 1713)
    assert pricing.parse_decimal("1.5", 2) == Decimal("1.5")
    for bad in ("1,5", "1e2", "NaN", "-1", "1.2.3", "", " ", "١٢", "0x10", "1.234"):
        assert pricing.parse_decimal(bad, 2) is None, bad


def test_create_invoice_from_a_work_order_once_with_its_approved_lines(app, staff, world, make,
                                                                       read):
    acme = world["acme"]
    estimate = make.estimate(acme, lines=(("Brake job", 1, 50000, False),
                                          ("Wipers", 1, 3000, True)))
    make.approval(estimate, world["dana"], "partially_approved", po_number="PO-77")
    converted = staff.post_form(f"/staff/estimates/{estimate.id}/convert")
    work_order_id = int(converted.headers["Location"].rsplit("/", 1)[-1])
    read(lambda: _taxed(WorkOrder, work_order_id, taxable=("Brake job",)))
    page = staff.get(f"/staff/work-orders/{work_order_id}").get_data(as_text=True)
    assert ">Create invoice</button>" in page

    admins = [make.staff(world["shop"], role="admin") for _ in range(2)]
    clients = []
    for admin in admins:
        client = app.test_client()
        client.login_staff(admin.email, PASSWORD)
        clients.append((client, client.csrf_token()))
    url = f"/staff/work-orders/{work_order_id}/invoice"
    answers = _race([lambda c=c, t=t: c.post(url, data={"csrf_token": t}) for c, t in clients])
    assert [a.status_code for a in answers] == [303, 303]
    assert len({a.headers["Location"] for a in answers}) == 1  # both land on the one draft
    again = staff.post_form(url)  # a third click, later
    assert again.headers["Location"] == answers[0].headers["Location"]
    invoices = read(lambda: [(i.number, i.state, i.customer_id, i.po_number, i.tax_rate,
                              [(line.description, line.amount_cents, line.taxable)
                               for line in i.lines], i.tax_cents, i.total_cents)
                             for i in db.session.scalars(select(Invoice).where(
                                 Invoice.work_order_id == work_order_id))])
    # The declined optional wipers stay out; tax 8.25 % of 500.00 = 41.25.
    assert invoices == [("INV-0001", "draft", acme.id, "PO-77", Decimal("8.25"),
                         [("Brake job", 50000, True)], 4125, 54125)]
    page = _text(staff.get(f"/staff/work-orders/{work_order_id}"))
    assert "Invoiced: INV-0001" in page and "Create invoice" not in page
    invoice_page = _text(staff.get(answers[0].headers["Location"]))
    assert "for work order WO-" in invoice_page and "Total $541.25" in invoice_page


def test_a_closed_work_order_is_not_invoiced(staff, world, make, read):
    work_order = make.work_order(world["acme"], lines=[("Inspection", 1, 18500)])
    read(lambda: (setattr(db.session.get(WorkOrder, work_order.id), "status", "closed"),
                  db.session.commit()))
    assert ">Create invoice</button>" not in staff.get(
        f"/staff/work-orders/{work_order.id}").get_data(as_text=True)
    answer = staff.post_form(f"/staff/work-orders/{work_order.id}/invoice")
    assert answer.status_code == 303
    assert "is closed" in _text(staff.get(answer.headers["Location"]))
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Invoice))) == 0
