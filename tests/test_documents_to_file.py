"""Documents a business can file (issue 18, item 6), through HTTP: invoices, estimates and work
orders (page for both audiences, print view, email) with the shop's name, address and phone,
the customer's billing address, the unit, the PO numbers, Subtotal, Tax and Total, and on
invoices the due date (asked for when issuing, Net 30 by default) and how to pay."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from portal_app.clock import today
from portal_app.extensions import db
from portal_app.models import Invoice
from tests.conftest import wait_for
from tests.factories import PASSWORD
from tests.test_billing_settings import (BILLING, LINES, REMIT, _field, _lines, _new_invoice,
                                         _settings, _text)


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel", slug="harbor-diesel")
    acme = make.customer(shop, "Acme Logistics", account_number="C-1001")
    return {"shop": shop, "acme": acme,
            "dana": make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example",
                                        is_billing=True),
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


# --- invoices ------------------------------------------------------------------------------

def _file_ready(staff, world, **settings):
    """The shop's address, phone and tax set; Acme's billing address and a unit."""
    assert staff.post_form("/staff/settings", _settings(**settings)).status_code == 303
    acme = world["acme"]
    assert staff.post_form(f"/staff/customers/{acme.id}/edit", {
        "name": acme.name, "account_number": "C-1001", "billing_address": BILLING
    }).status_code == 303


def test_an_invoice_prints_who_it_is_from_whom_it_bills_when_it_is_due_and_how_to_pay(
        staff, portal, world, make, read):
    _file_ready(staff, world, remit_to=REMIT, payment_terms_days="30")
    make.asset(world["acme"], "T-101")
    invoice_id = _new_invoice(staff, world["acme"], unit_number="t-101")
    read(lambda: (setattr(db.session.get(Invoice, invoice_id), "po_number", "PO-7731"),
                  db.session.commit()))
    page = staff.get(f"/staff/invoices/{invoice_id}").get_data(as_text=True)
    due = today(world["shop"]) + timedelta(days=30)
    assert f'value="{due.isoformat()}"' in _field(page, "due_on")  # issue date + Net 30
    issued = staff.post_form(f"/staff/invoices/{invoice_id}/issue",
                             {"due_on": (due + timedelta(days=5)).isoformat()})
    assert issued.status_code == 303
    due += timedelta(days=5)
    assert read(lambda: db.session.get(Invoice, invoice_id).due_on) == due

    expected = [
        "Harbor Diesel", "1 Harbor Road Portsmouth, NH 03801", "+1 603 555 0100",
        "billing@harbor.example",  # the shop
        "Bill to Acme Logistics Account C-1001 Accounts payable 400 Dock Street Boston, MA "
        "02110",  # the customer's billing address
        "Unit T-101", "PO number PO-7731",
        "Subtotal $250.00", "Tax: Sales tax (8.25%) $4.13", "Total $254.13",
        f"Due {due:%-d %b %Y}",
        "Remit to PO Box 77 Portsmouth, NH 03802", "Quote invoice INV-0001",
    ]
    printed = _text(portal.get(f"/invoices/{invoice_id}/print"))
    for text in expected:
        assert text in printed, text
    assert "Pay online" not in printed
    page = _text(portal.get(f"/invoices/{invoice_id}"))
    for text in expected[:-3] + ["Remit to PO Box 77"]:  # "· unit T-101"
        assert text.replace("Bill to ", "").lower() in page.lower(), text
    console = _text(staff.get(f"/staff/invoices/{invoice_id}"))
    for text in expected[:-3] + ["How the customer pays", "Remit to PO Box 77"]:
        assert text.replace("Bill to ", "").lower() in console.lower(), text
    assert _text(staff.get(f"/staff/invoices/{invoice_id}/print")) == printed  # one sheet


def test_without_a_remit_to_address_invoices_send_payment_to_the_shops_address(
        staff, portal, world, make):
    _file_ready(staff, world, remit_to="")
    invoice = make.invoice(world["acme"], number="INV-0009")
    printed = _text(portal.get(f"/invoices/{invoice.id}/print"))
    assert "Remit to Harbor Diesel 1 Harbor Road Portsmouth, NH 03801" in printed


def test_an_invoice_without_a_due_date_is_due_on_receipt_never_an_empty_due(portal, world,
                                                                            make):
    invoice = make.invoice(world["acme"], number="INV-0010", due_in_days=None)
    printed = _text(portal.get(f"/invoices/{invoice.id}/print"))
    assert "Due on receipt" in printed
    assert not re.search(r"Due:?\s*(<|Status|$)", portal.get(
        f"/invoices/{invoice.id}/print").get_data(as_text=True))
    assert "due on receipt" in _text(portal.get(f"/invoices/{invoice.id}"))
    assert re.search(r'INV-0010.*?<td data-label="Due">On receipt</td>',
                     portal.get("/invoices").get_data(as_text=True), re.S)


def test_an_invoice_says_pay_online_when_the_shop_takes_online_payments(portal, world, make):
    make.payment_settings(world["shop"], stripe_account_id="acct_filing")
    invoice = make.invoice(world["acme"], number="INV-0011")
    printed = _text(portal.get(f"/invoices/{invoice.id}/print"))
    assert f"Pay online at http://portal.test/invoices/{invoice.id}" in printed
    assert "Remit to" not in printed  # the shop has no address to mail a check to


def test_issuing_asks_for_a_due_date(staff, world, read):
    _file_ready(staff, world, payment_terms_days="0")
    invoice_id = _new_invoice(staff, world["acme"], issued_on="2026-11-02")
    page = staff.get(f"/staff/invoices/{invoice_id}").get_data(as_text=True)
    issue_form = re.search(r'<form method="post" action="/staff/invoices/%d/issue".*?</form>'
                           % invoice_id, page, re.S).group(0)
    assert '>Due date</label>' in issue_form and 'type="date"' in issue_form
    assert 'value="2026-11-02"' in issue_form and ">Issue invoice</button>" in issue_form

    for typed, message in (("2026-11-01", "The due date can&#39;t be before the issue date "
                                          "(2 Nov 2026)."),
                           ("soon", "Not a valid date value.")):
        refused = staff.post_form(f"/staff/invoices/{invoice_id}/issue", {"due_on": typed})
        assert refused.status_code == 422
        assert message in _field(refused.get_data(as_text=True), "due_on")
        assert read(lambda: db.session.get(Invoice, invoice_id).state) == "draft"
    # Empty: Net 0 from the issue date (the terms in force), as the field suggested.
    assert staff.post_form(f"/staff/invoices/{invoice_id}/issue",
                           {"due_on": ""}).status_code == 303
    assert read(lambda: db.session.get(Invoice, invoice_id).due_on) == date(2026, 11, 2)


def test_a_drafts_own_due_date_is_the_one_suggested(staff, world, read):
    invoice_id = _new_invoice(staff, world["acme"], issued_on="2026-11-02",
                              due_on="2026-12-24")
    page = staff.get(f"/staff/invoices/{invoice_id}").get_data(as_text=True)
    assert 'value="2026-12-24"' in _field(page, "due_on")
    assert staff.post_form(f"/staff/invoices/{invoice_id}/issue").status_code == 303
    assert read(lambda: db.session.get(Invoice, invoice_id).due_on) == date(2026, 12, 24)


def test_the_invoice_email_carries_the_addresses_tax_due_date_and_how_to_pay(
        staff, world, read, mailbox):
    _file_ready(staff, world, remit_to=REMIT, payment_terms_days="15",
                pay_instead_text="Checks payable to Harbor Diesel LLC.")
    invoice_id = _new_invoice(staff, world["acme"])
    assert staff.post_form(f"/staff/invoices/{invoice_id}/issue").status_code == 303
    due = today(world["shop"]) + timedelta(days=15)
    email = _mail(mailbox, world["dana"].email, "New invoice")
    text = " ".join(email.text.split())
    html = _text_of(email.html)
    for body in (text, html):
        for expected in ("From: Harbor Diesel 1 Harbor Road Portsmouth, NH 03801 +1 603 555 0100"
                         if body is text else
                         "From Harbor Diesel 1 Harbor Road Portsmouth, NH 03801 +1 603 555 0100",
                         "Acme Logistics Account C-1001 Accounts payable 400 Dock Street",
                         "Subtotal", "$250.00", "Tax: Sales tax (8.25%)", "$4.13", "$254.13",
                         f"Due {due:%-d %b %Y}", "Checks payable to Harbor Diesel LLC.",
                         "Remit to", "PO Box 77 Portsmouth, NH 03802"):
            assert expected in body, (expected, body)
    assert "<br>400 Dock Street<br>" in email.html  # lines of an address, escaped


def _text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _mail(mailbox, address: str, subject: str):
    """The message to `address` whose subject starts with `subject` (delivered after the
    response)."""
    messages = wait_for(lambda: [m for m in mailbox.to(address)
                                 if m.subject.startswith(subject)], timeout=10)
    assert messages, subject
    return messages[-1]


# --- estimates and work orders --------------------------------------------------------------

def test_estimates_print_the_parties_unit_po_number_and_tax(staff, portal, world, make, read,
                                                             mailbox):
    _file_ready(staff, world)
    unit = make.asset(world["acme"], "T-102")
    created = staff.post_form("/staff/estimates/new", {
        "customer_id": world["acme"].id, "unit_number": "T-102", "valid_until": "", **LINES})
    assert created.status_code == 303, _text(created)[:1500]
    estimate_id = int(created.headers["Location"].rsplit("/", 1)[-1])
    assert staff.post_form(f"/staff/estimates/{estimate_id}/send").status_code == 303
    mailed = " ".join(_mail(mailbox, world["dana"].email, "An estimate").text.split())
    for expected in ("From: Harbor Diesel 1 Harbor Road", "For: Acme Logistics",
                     "400 Dock Street", f"Unit {unit.unit_number}",
                     "Tax: Sales tax (8.25%): $4.13", "Total: $254.13"):
        assert expected in mailed, expected
    page = portal.get(f"/estimates/{estimate_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert portal.post_form(f"/estimates/{estimate_id}/decision", {
        "version": version, "signed_name": "Dana Ortiz", "po_number": "PO-7731",
        "decision": "approve_all"}).status_code in (200, 303)
    parties = ["1 Harbor Road Portsmouth, NH 03801", "+1 603 555 0100",
               "Acme Logistics Account C-1001 Accounts payable 400 Dock Street Boston, MA"]
    expected = parties + ["PO number PO-7731", "Tax: Sales tax (8.25%) $4.13"]
    for client, url in ((portal, f"/estimates/{estimate_id}"),
                        (staff, f"/staff/estimates/{estimate_id}"),
                        (portal, f"/estimates/{estimate_id}/print")):
        shown = _text(client.get(url))
        for text in expected + ["T-102"]:
            assert text in shown, (url, text)
    assert "Unit T-102" in _text(portal.get(f"/estimates/{estimate_id}/print"))

    # Its work order answers the same PO and the PO of its additional work.
    converted = staff.post_form(f"/staff/estimates/{estimate_id}/convert")
    assert converted.status_code == 303
    work_order_id = int(converted.headers["Location"].rsplit("/", 1)[-1])
    page = staff.get(f"/staff/work-orders/{work_order_id}/additional-work").get_data(
        as_text=True)
    round_ = re.search(r'name="based_on" type="hidden" value="(\d+)"', page)
    asked = staff.post_form(f"/staff/work-orders/{work_order_id}/additional-work", {
        **({"based_on": round_.group(1)} if round_ else {}), "note": "",
        **_lines(("Air hose", "parts", "1", "40.00", True))})
    assert asked.status_code == 303, _text(asked)[:1500]
    mailed = " ".join(_mail(mailbox, world["dana"].email, "Harbor Diesel asks").text.split())
    for expected in ("Air hose (Parts · taxed): 1 × $40.00", "Tax: Sales tax (8.25%): $3.30",
                     "Total of the additional work: $43.30", "For: Acme Logistics",
                     "PO number PO-7731", "1 Harbor Road"):
        assert expected in mailed, expected
    page = portal.get(f"/work-orders/{work_order_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert portal.post_form(f"/work-orders/{work_order_id}/decision", {
        "version": version, "signed_name": "Dana Ortiz", "po_number": "PO-8800",
        "decision": "approve_all"}).status_code in (200, 303)
    for client, url in ((portal, f"/work-orders/{work_order_id}"),
                        (staff, f"/staff/work-orders/{work_order_id}"),
                        (portal, f"/work-orders/{work_order_id}/print")):
        shown = _text(client.get(url))
        for text in parties + ["PO numbers PO-7731, PO-8800",
                                    "Tax: Sales tax (8.25%) $7.43"]:
            assert text in shown, (url, text)
