"""Receipts and payment history through HTTP (issue 20 item 2 and the payments export of item 4):
every payment, recorded by staff (Mark as paid) or made online, has a receipt page and a PDF
for the customer (/payments/<id>) and staff (/staff/payments/<id>); /payments lists the
customer's payments newest first, /staff/payments the shop's; Export CSV on both; staff-recorded
payments email their receipt to the billing contacts who want invoice emails."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import OutboundEmail, Payment, PortalUser, utcnow
from tests.conftest import BASE_URL, wait_for
from tests.factories import PASSWORD
from tests.test_payments import checkout_id, deliver, pay, stripe_shop  # noqa: F401

RECEIPT_LINK = re.compile(r'href="/payments/(\d+)">(R-[\w-]+)</a>')


def day(offset: int = 0):
    return utcnow().date() + timedelta(days=offset)


@pytest.fixture
def staff(app, make, shop):
    member = make.staff(shop, role="staff", email="sam@harbor.example", name="Sam Staff")
    client = app.test_client()
    client.login_staff(member.email, PASSWORD)
    return client


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def rows_of(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def mark_as_paid(staff, invoice, amount="40.00", method="check", reference="Check 1042",
                 paid_on=None):
    return staff.post_form(f"/staff/invoices/{invoice.id}/payments", {
        "amount": amount, "method": method, "reference": reference,
        "paid_on": (paid_on or day()).isoformat()})


def test_mark_as_paid_makes_a_receipt_for_both_audiences_and_emails_it(
        staff, portal, make, shop, acme, dana, mailbox, read):
    invoice = make.invoice(acme, lines=[("Brake job", 1, 12500)], number="INV-0042",
                           po_number="PO-77", asset_id=make.asset(acme, "T-101").id)
    response = mark_as_paid(staff, invoice)
    assert response.status_code == 303
    payment = read(lambda: db.session.scalar(select(Payment)))
    number = f"R-INV-0042-{payment.id}"
    flashed = staff.get(f"/staff/invoices/{invoice.id}").get_data(as_text=True)
    assert f"Receipt {number}" in flashed and "Emailed to Dana Ortiz." in flashed

    # The customer's receipt page.
    page = portal.get(f"/payments/{payment.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"<h1>Receipt {number}" in html
    for shown in ("$40.00", "Check", "Check 1042", "INV-0042", "$85.00", "Harbor Diesel",
                  "Acme Logistics", "T-101", "PO-77", ">Download PDF</a>"):
        assert shown in html, shown
    assert f'href="/invoices/{invoice.id}"' in html

    # Staff see the same receipt in the console, with who recorded it.
    console = staff.get(f"/staff/payments/{payment.id}").get_data(as_text=True)
    assert f"Receipt {number}" in console and "Sam Staff" in console
    assert f'href="/staff/invoices/{invoice.id}"' in console

    # The email links to the receipt and its PDF, naming the shop (?shop=).
    messages = wait_for(lambda: mailbox.to(dana.email))
    assert len(messages) == 1
    text = messages[0].text
    assert number in text and "$40.00" in text and "$85.00" in text
    assert f"{BASE_URL}/payments/{payment.id}?shop={shop.slug}" in text
    assert f"{BASE_URL}/payments/{payment.id}/pdf?shop={shop.slug}" in text
    assert read(lambda: db.session.scalar(select(OutboundEmail.kind))) == "payment_recorded"


def test_no_receipt_email_for_a_contact_who_turned_invoice_emails_off(
        staff, make, acme, dana, mailbox, read):
    read(lambda: (db.session.execute(
        PortalUser.__table__.update().where(PortalUser.id == dana.portal_user_id)
        .values(notify_invoices=False)), db.session.commit()))
    lee = make.active_contact(acme, email="lee@acme.example", name="Lee Park", is_billing=True)
    make.active_contact(acme, email="ops@acme.example", name="Ops Desk")  # not billing
    invoice = make.invoice(acme, number="INV-0050")
    assert mark_as_paid(staff, invoice, amount="100.00").status_code == 303
    assert wait_for(lambda: mailbox.to(lee.email))
    assert mailbox.to(dana.email) == [] and mailbox.to("ops@acme.example") == []
    assert read(lambda: db.session.scalar(select(Payment.receipt_sent_at))) is not None


def test_the_receipt_pdf_holds_number_shop_customer_and_amount(staff, portal, make, acme):
    invoice = make.invoice(acme, lines=[("Annual inspection", 1, 25000)], number="INV-0007")
    mark_as_paid(staff, invoice, amount="250.00", method="cash", reference="")
    payment_id = portal.get("/payments").get_data(as_text=True)
    payment_id = RECEIPT_LINK.search(payment_id).group(1)
    number = f"R-INV-0007-{payment_id}"
    for client, url in ((portal, f"/payments/{payment_id}/pdf"),
                        (staff, f"/staff/payments/{payment_id}/pdf")):
        response = client.get(url)
        text = pdf_text(response)
        assert response.headers["Content-Disposition"] == \
            f'attachment; filename="receipt-{number}.pdf"'
        for shown in (number, "Harbor Diesel", "Acme Logistics", "$250.00", "Cash",
                      "INV-0007"):
            assert shown in text, (shown, text)
    printed = portal.get(f"/payments/{payment_id}/print").get_data(as_text=True)
    assert f"Receipt {number}" in printed and "Download PDF" in printed


def test_another_customers_or_shops_payment_is_a_404(app, portal, staff, make, shop, acme):
    birch = make.customer(shop, "Birch Construction")
    theirs = make.payment(make.invoice(birch, number="INV-B"), 5000)
    other_shop = make.shop("Summit Fleet")
    elsewhere = make.payment(make.invoice(make.customer(other_shop, "Cedar"), number="INV-C"),
                             5000)
    ours = make.payment(make.invoice(acme, number="INV-A"), 5000)
    for suffix in ("", "/print", "/pdf"):
        assert portal.get(f"/payments/{theirs.id}{suffix}").status_code == 404
        assert portal.get(f"/payments/{elsewhere.id}{suffix}").status_code == 404
        assert staff.get(f"/staff/payments/{elsewhere.id}{suffix}").status_code == 404
        assert portal.get(f"/payments/{ours.id}{suffix}").status_code == 200
        assert staff.get(f"/staff/payments/{theirs.id}{suffix}").status_code == 200
    assert portal.get("/payments/99999999999999999999").status_code == 404
    listed = portal.get("/payments").get_data(as_text=True)
    assert "INV-A" in listed and "INV-B" not in listed and "INV-C" not in listed
    console = staff.get("/staff/payments").get_data(as_text=True)
    assert "INV-A" in console and "INV-B" in console and "INV-C" not in console
    assert "Birch Construction" in console


def test_failed_and_processing_payments_are_not_receipts(portal, staff, make, acme):
    invoice = make.invoice(acme, number="INV-F")
    failed = make.payment(invoice, 10000, method="ach", status="failed", paid_on=None,
                          failure_message="The bank account could not be located")
    processing = make.payment(invoice, 10000, method="ach", status="processing", paid_on=None)
    started = make.payment(invoice, 10000, method="card", status="pending", paid_on=None)
    html = portal.get(f"/payments/{failed.id}").get_data(as_text=True)
    assert f"<h1>Payment R-INV-F-{failed.id}" in html and "Receipt R-" not in html
    assert "did not go through: The bank account could not be located." in html
    assert "Download PDF" not in html
    assert portal.get(f"/payments/{failed.id}/pdf").status_code == 404
    html = portal.get(f"/payments/{processing.id}").get_data(as_text=True)
    assert "has not cleared yet" in html and "Download PDF" not in html
    # A checkout only started is no payment for the customer; staff can open it.
    assert portal.get(f"/payments/{started.id}").status_code == 404
    assert "abandoned" not in staff.get(f"/staff/payments/{started.id}").get_data(as_text=True)
    assert staff.get(f"/staff/payments/{started.id}").status_code == 200


def test_payments_list_is_newest_first_and_paginated(portal, make, acme):
    invoice = make.invoice(acme, lines=[("Fleet contract", 1, 1_000_000)], number="INV-P")
    made = [make.payment(invoice, 100 + n, paid_on=day(-40 + n)) for n in range(27)]
    first = portal.get("/payments").get_data(as_text=True)
    ids = [int(found) for found, _ in RECEIPT_LINK.findall(first)]
    assert ids == [p.id for p in reversed(made)][:25]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = portal.get("/payments?page=2").get_data(as_text=True)
    assert [int(found) for found, _ in RECEIPT_LINK.findall(second)] == [made[1].id, made[0].id]
    for bad in ("0", "-3", "abc", "99999999999999999999"):
        response = portal.get(f"/payments?page={bad}")
        assert response.status_code == 200
    assert RECEIPT_LINK.findall(portal.get("/payments?page=abc").get_data(as_text=True))[0][0] \
        == str(made[-1].id)
    assert "No more payments" in portal.get("/payments?page=500").get_data(as_text=True)


def test_empty_lists_say_so(portal, staff):
    assert "No payments yet" in portal.get("/payments").get_data(as_text=True)
    assert "No payments yet" in staff.get("/staff/payments").get_data(as_text=True)
    assert "No payments between these dates" in portal.get(
        f"/payments?from={day(-5).isoformat()}").get_data(as_text=True)


def test_date_range_filters_and_bad_dates_are_said_next_to_the_field(portal, make, acme):
    invoice = make.invoice(acme, lines=[("Tyres", 4, 50000)], number="INV-D")
    old = make.payment(invoice, 1000, paid_on=day(-30))
    new = make.payment(invoice, 2000, paid_on=day(-2))
    html = portal.get(f"/payments?from={day(-10).isoformat()}&to={day().isoformat()}") \
        .get_data(as_text=True)
    assert [int(i) for i, _ in RECEIPT_LINK.findall(html)] == [new.id]
    html = portal.get("/payments?from=31/02/2026&to=" + day(-20).isoformat()) \
        .get_data(as_text=True)
    assert "Enter a date like 2026-03-31." in html and 'value="31/02/2026"' in html
    assert [int(i) for i, _ in RECEIPT_LINK.findall(html)] == [old.id]
    html = portal.get(f"/payments?from={day().isoformat()}&to={day(-20).isoformat()}") \
        .get_data(as_text=True)
    assert "The end date can&#39;t be before the start date." in html


def test_export_csv_has_the_columns_and_neutralises_formulas(portal, staff, make, shop, acme):
    unit = make.asset(acme, "T-9")
    invoice = make.invoice(acme, lines=[("Brakes", 1, 30000)], number="INV-X",
                           po_number="PO-1", asset_id=unit.id)
    hostile = make.payment(invoice, 12345, reference='=HYPERLINK("http://x")',
                           paid_on=day(-1))
    old = make.payment(invoice, 500, method="cash", paid_on=day(-60))
    make.payment(make.invoice(make.customer(shop, "Birch"), number="INV-OTHER"), 700)
    response = portal.get("/payments/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = rows_of(response)
    assert rows[0] == ["Receipt number", "Date", "Invoice number", "Unit number", "PO number",
                       "Method", "Reference", "Amount", "Refunded", "Status"]
    assert rows[1] == [f"R-INV-X-{hostile.id}", day(-1).isoformat(), "INV-X", "T-9", "PO-1",
                       "Check", '\'=HYPERLINK("http://x")', "123.45", "0.00", "Received"]
    assert [row[0] for row in rows[1:]] == [f"R-INV-X-{hostile.id}", f"R-INV-X-{old.id}"]
    ranged = rows_of(portal.get(f"/payments/export.csv?from={day(-7).isoformat()}"))
    assert [row[0] for row in ranged[1:]] == [f"R-INV-X-{hostile.id}"]
    # The list offers the export with its filters.
    html = portal.get(f"/payments?from={day(-7).isoformat()}").get_data(as_text=True)
    assert f'href="/payments/export.csv?from={day(-7).isoformat()}"' in html
    assert ">Export CSV</a>" in html

    console = rows_of(staff.get("/staff/payments/export.csv"))
    assert console[0][-1] == "Customer"
    assert {row[2]: row[-1] for row in console[1:]} == {"INV-X": "Acme Logistics",
                                                        "INV-OTHER": "Birch"}
    assert ">Export CSV</a>" in staff.get("/staff/payments").get_data(as_text=True)


def test_invoice_page_links_each_payment_to_its_receipt(portal, staff, make, acme):
    invoice = make.invoice(acme, number="INV-L")
    payment = make.payment(invoice, 3000)
    assert f'href="/payments/{payment.id}"' in \
        portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert f'href="/staff/payments/{payment.id}"' in \
        staff.get(f"/staff/invoices/{invoice.id}").get_data(as_text=True)


def test_an_online_payment_has_a_receipt_and_its_email_links_to_it(
        portal, make, shop, acme, dana, stripe_shop, fake_stripe, mailbox, read):
    invoice = make.invoice(acme, lines=[("Brakes", 2, 12550)], number="INV-ON")
    session_id = checkout_id(pay(portal, invoice))
    event = fake_stripe.complete_checkout(session_id, outcome="card")
    assert deliver(portal, fake_stripe, event).status_code == 200
    payment = read(lambda: db.session.scalar(select(Payment)))
    assert payment.status == "succeeded" and payment.paid_on is not None  # the day it arrived
    number = f"R-INV-ON-{payment.id}"
    messages = wait_for(lambda: mailbox.to(dana.email))
    assert len(messages) == 1
    assert f"{BASE_URL}/payments/{payment.id}?shop={shop.slug}" in messages[0].text
    assert f"{BASE_URL}/payments/{payment.id}/pdf?shop={shop.slug}" in messages[0].text
    assert number in messages[0].text
    html = portal.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert f"Receipt {number}" in html and "Card (online)" in html and "$251.00" in html
    assert "Nothing: paid in full" in html
    assert number in portal.get("/payments").get_data(as_text=True)
    text = pdf_text(portal.get(f"/payments/{payment.id}/pdf"))
    assert number in text and "$251.00" in text and "Acme Logistics" in text


def test_one_online_payment_of_two_invoices_shows_both_receipts(
        portal, make, acme, stripe_shop, fake_stripe, read):
    first = make.invoice(acme, number="INV-T1")
    second = make.invoice(acme, number="INV-T2")
    response = portal.post_form("/invoices/pay", {"invoice": [first.id, second.id],
                                                  "method": "card"})
    event = fake_stripe.complete_checkout(checkout_id(response), outcome="card")
    assert deliver(portal, fake_stripe, event).status_code == 200
    ids = read(lambda: db.session.scalars(select(Payment.id).order_by(Payment.id)).all())
    html = portal.get(f"/payments/{ids[0]}").get_data(as_text=True)
    assert "Paid in the same online payment:" in html
    assert f'href="/payments/{ids[1]}">R-INV-T2-{ids[1]}</a>' in html
