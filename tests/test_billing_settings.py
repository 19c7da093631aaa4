"""What a shop's documents print and the tax they charge (issue 18, items 2 and 6), through
HTTP on SQLite and PostgreSQL: the settings (Tax name, Tax rate (%), the taxable defaults per
kind, Address, Phone, Billing email, Remit-to address, Payment terms (days)), every refusal
next to its field with what was typed kept, a rate change that leaves issued invoices alone,
and a customer's Billing address, Tax exempt and Exemption certificate."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import AuditEntry, Customer, Invoice, Shop
from tests.factories import PASSWORD

ADDRESS = "1 Harbor Road\nPortsmouth, NH 03801"
REMIT = "PO Box 77\nPortsmouth, NH 03802"
BILLING = "Accounts payable\n400 Dock Street\nBoston, MA 02110"


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


def _text(response) -> str:
    """A page's words, tags and runs of white space gone."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _settings(**changes) -> dict:
    form = {"name": "Harbor Diesel", "brand_color": "#1f5f8b", "support_email": "",
            "support_phone": "+1 603 555 0100", "pay_instead_text": "",
            "timezone": "America/New_York", "invoice_notifications": "y",
            "address": ADDRESS, "billing_email": "billing@harbor.example", "remit_to": "",
            "payment_terms_days": "30", "tax_name": "Sales tax", "tax_rate": "8.25",
            "parts_taxable": "y", "fee_taxable": "y"}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def _field(page: str, name: str) -> str:
    """The markup of one field of a form (its div), so a message is known to be next to it."""
    match = re.search(r'<div class="field[^"]*">\s*<label for="%s">.*?</div>' % name, page,
                      re.S)
    assert match, name
    return match.group(0)


def _lines(*rows) -> dict:
    """Form fields of line rows: (description, kind, qty, unit price, taxable)."""
    data = {}
    for i, (description, kind, qty, price, taxable) in enumerate(rows):
        data.update({f"lines-{i}-description": description, f"lines-{i}-kind": kind,
                     f"lines-{i}-quantity": qty, f"lines-{i}-unit_price": price,
                     f"lines-{i}-discount": ""})
        if taxable:
            data[f"lines-{i}-taxable"] = "y"
    return data


# labour 2 h x 100.00 = 200.00 (not taxed); filter 1 x 50.00 = 50.00 taxed: 8.25 % = 4.125 ->
# 4.13; total 254.13. At 10 %: 5.00 and 255.00.
LINES = _lines(("Brake job", "labour", "2", "100.00", False),
               ("Oil filter", "parts", "1", "50.00", True))


def _new_invoice(staff, customer, **fields) -> int:
    response = staff.post_form("/staff/invoices/new", {
        "customer_id": customer.id, "number": fields.pop("number", "INV-0001"),
        "issued_on": "", "due_on": "", "unit_number": "", "memo": "", **LINES, **fields})
    assert response.status_code == 303, _text(response)[:1500]
    return int(response.headers["Location"].rsplit("/", 1)[-1])


# --- settings ------------------------------------------------------------------------------

def test_settings_keep_what_documents_print_and_the_tax(staff, world, read):
    page = staff.get("/staff/settings").get_data(as_text=True)
    for label in ("Tax name", "Tax rate (%)", "Labour is taxable", "Parts are taxable",
                  "Fees are taxable", "Address", "Phone", "Billing email", "Remit-to address",
                  "Payment terms (days)"):
        assert f">{label}</label>" in page, label
    assert 'value="30"' in _field(page, "payment_terms_days")  # Net 30 by default
    assert "Support phone" not in page  # one phone: the shop's
    response = staff.post_form("/staff/settings", _settings(
        address="1 Harbor Road \r\n Portsmouth, NH 03801\r\n", remit_to=REMIT,
        payment_terms_days="45", tax_name="State sales tax", tax_rate="7.125",
        labour_taxable="y", parts_taxable="y", fee_taxable=None))
    assert response.status_code == 303
    shop = read(lambda: db.session.get(Shop, world["shop"].id))
    assert (shop.address, shop.remit_to, shop.billing_email, shop.support_phone) == (
        ADDRESS, REMIT, "billing@harbor.example", "+1 603 555 0100")
    assert (shop.payment_terms_days, shop.tax_name, shop.tax_rate) == (
        45, "State sales tax", Decimal("7.125"))
    assert (shop.labour_taxable, shop.parts_taxable, shop.fee_taxable) == (True, True, False)
    page = staff.get("/staff/settings").get_data(as_text=True)
    assert 'value="7.125"' in _field(page, "tax_rate") and 'value="45"' in page
    assert ADDRESS in _field(page, "address") and REMIT in _field(page, "remit_to")
    detail = read(lambda: db.session.scalars(select(AuditEntry.detail).where(
        AuditEntry.action == "settings_changed")).all())[-1]
    for name in ("address", "remit to", "payment terms days", "tax rate", "fee taxable"):
        assert name in detail, name

    # Empty: no tax; the new lines of a draft start taxable as the settings say.
    assert staff.post_form("/staff/settings", _settings(tax_rate="")).status_code == 303
    assert read(lambda: db.session.get(Shop, world["shop"].id).tax_rate) is None
    form = staff.get("/staff/invoices/new").get_data(as_text=True)
    assert re.search(r'<input checked id="lines-0-taxable"', form)  # parts: taxable


RATE_MESSAGE = "Enter the rate in percent from 0 to 100 with at most three decimals"


@pytest.mark.parametrize("typed", ["abc", "-1", "8.1234", "101", "NaN", "1e2", "8,25",
                                   "100.001", "８"])
def test_a_rate_that_is_not_a_percent_is_refused_next_to_the_field(staff, world, read, typed):
    assert staff.post_form("/staff/settings", _settings(tax_rate="8.25")).status_code == 303
    response = staff.post_form("/staff/settings", _settings(tax_rate=typed,
                                                            billing_email="kept@harbor.example"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    field = _field(page, "tax_rate")
    assert RATE_MESSAGE in field and f'value="{typed}"' in field and 'aria-invalid="true"' in field
    assert 'value="kept@harbor.example"' in page  # everything typed is kept
    assert read(lambda: db.session.get(Shop, world["shop"].id).tax_rate) == Decimal("8.25")


@pytest.mark.parametrize("typed, stored", [("8.25", "8.25"), ("7.125", "7.125"), ("0", "0"),
                                           ("100", "100"), (" 6.5 ", "6.5"), ("8.250", "8.25"),
                                           (".5", "0.5")])
def test_a_rate_with_up_to_three_decimals_is_kept(staff, world, read, typed, stored):
    assert staff.post_form("/staff/settings", _settings(tax_rate=typed)).status_code == 303
    assert read(lambda: db.session.get(Shop, world["shop"].id).tax_rate) == Decimal(stored)


@pytest.mark.parametrize("field, typed, message", [
    ("payment_terms_days", "366", "Enter whole days from 0 to 365"),
    ("payment_terms_days", "-1", "Enter whole days from 0 to 365"),
    ("payment_terms_days", "1.5", "Enter whole days from 0 to 365"),
    ("payment_terms_days", "thirty", "Enter whole days from 0 to 365"),
    ("payment_terms_days", "", "Enter the days a customer has to pay"),
    ("tax_name", "", "Name the tax as documents print it"),
    ("billing_email", "billing at harbor", "Enter an email address like billing@example.com."),
    ("address", "x" * 501, "Field cannot be longer than 500 characters."),
])
def test_document_settings_get_their_message_next_to_the_field(staff, field, typed, message):
    response = staff.post_form("/staff/settings", _settings(**{field: typed}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in _field(page, field)


def test_changing_the_rate_never_changes_an_issued_invoice(staff, portal, world, read):
    assert staff.post_form("/staff/settings", _settings(tax_rate="8.25")).status_code == 303
    invoice_id = _new_invoice(staff, world["acme"])
    assert staff.post_form(f"/staff/invoices/{invoice_id}/issue").status_code == 303
    for url in (f"/invoices/{invoice_id}", f"/invoices/{invoice_id}/print"):
        shown = _text(portal.get(url))
        assert "Tax: Sales tax (8.25%) $4.13" in shown and "Total $254.13" in shown, url

    assert staff.post_form("/staff/settings", _settings(tax_name="Sales tax",
                                                        tax_rate="10")).status_code == 303
    for client, url in ((portal, f"/invoices/{invoice_id}"),
                        (portal, f"/invoices/{invoice_id}/print"),
                        (staff, f"/staff/invoices/{invoice_id}"), (portal, "/invoices")):
        shown = _text(client.get(url))
        assert "$254.13" in shown and "10%" not in shown and "$255.00" not in shown, url
    assert read(lambda: db.session.get(Invoice, invoice_id).tax_rate) == Decimal("8.25")
    # A draft written now charges the new rate.
    draft_id = _new_invoice(staff, world["acme"], number="INV-0002")
    assert "Tax: Sales tax (10%) $5.00" in _text(staff.get(f"/staff/invoices/{draft_id}"))


# --- customers -----------------------------------------------------------------------------

def test_a_customer_has_a_billing_address_and_may_be_tax_exempt(staff, world, read):
    form = staff.get("/staff/customers/new").get_data(as_text=True)
    for label in ("Billing address", "Tax exempt", "Exemption certificate"):
        assert f">{label}</label>" in form, label
    refused = staff.post_form("/staff/customers/new", {
        "name": "Birch Construction", "account_number": "", "billing_address": BILLING,
        "tax_exempt": "y", "tax_exempt_number": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter the number of the customer&#39;s exemption certificate" in _field(
        page, "tax_exempt_number")
    assert BILLING in _field(page, "billing_address")
    assert re.search(r'<input checked id="tax_exempt"', page)
    created = staff.post_form("/staff/customers/new", {
        "name": "Birch Construction", "account_number": "", "billing_address": BILLING,
        "tax_exempt": "y", "tax_exempt_number": "EX-2231"})
    assert created.status_code == 303
    birch_id = int(created.headers["Location"].rsplit("/", 1)[-1])
    birch = read(lambda: db.session.get(Customer, birch_id))
    assert (birch.billing_address, birch.tax_exempt, birch.tax_exempt_number) == (
        BILLING, True, "EX-2231")
    page = _text(staff.get(f"/staff/customers/{birch_id}"))
    assert "Billing address Accounts payable 400 Dock Street Boston, MA 02110" in page
    assert "Tax exempt · certificate EX-2231" in page
    edit = staff.get(f"/staff/customers/{birch_id}/edit").get_data(as_text=True)
    assert 'value="EX-2231"' in edit and BILLING in edit

    # Taxed again: the box unticked; Acme (never exempt) reads as taxed.
    assert staff.post_form(f"/staff/customers/{birch_id}/edit", {
        "name": "Birch Construction", "billing_address": "", "tax_exempt_number": ""
    }).status_code == 303
    assert read(lambda: db.session.get(Customer, birch_id).tax_exempt) is False
    assert "Taxed at the shop's rate" in staff.get(
        f"/staff/customers/{world['acme'].id}").get_data(as_text=True)


def test_a_tax_exempt_customers_documents_charge_no_tax_and_print_the_certificate(
        staff, portal, world, read):
    assert staff.post_form("/staff/settings", _settings(tax_rate="8.25")).status_code == 303
    acme = world["acme"]
    assert staff.post_form(f"/staff/customers/{acme.id}/edit", {
        "name": acme.name, "account_number": "C-1001", "billing_address": BILLING,
        "tax_exempt": "y", "tax_exempt_number": "EX-2231"}).status_code == 303
    invoice_id = _new_invoice(staff, acme)
    assert staff.post_form(f"/staff/invoices/{invoice_id}/issue").status_code == 303
    shown = _text(portal.get(f"/invoices/{invoice_id}/print"))
    assert "Tax: Tax exempt (certificate EX-2231) $0.00" in shown and "Total $250.00" in shown
