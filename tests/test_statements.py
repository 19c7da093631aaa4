"""The statement of account through HTTP (issue 20, item 3): open invoices aged in the buckets
Current, 1-30, 31-60, 61-90 and Over 90 days past due as of the statement's end date (on the
shop's calendar), the payments of the period, the balance; its PDF and CSV; the console's
Email statement; bad dates; another customer's or shop's statement is a 404.

Dates are fixed (a range in the URL, or a clock travelled to with time-machine), never today's.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import OutboundEmail
from portal_app.services.statements import BUCKETS, bucket_of, days_past_due
from tests.conftest import wait_for
from tests.factories import PASSWORD

AS_OF = date(2027, 3, 1)  # the statements' end date unless a test says otherwise
BUCKET = re.compile(r'<dt>([^<]+)(?:<span class="sr">[^<]*</span>)?</dt> <dd>([^<]+)</dd>')


@pytest.fixture
def staff_client(app, make, shop):
    client = app.test_client()
    client.login_staff(make.staff(shop, role="staff").email, PASSWORD)
    return client


def aging(response) -> dict[str, str]:
    """The page's Balance by age: bucket (and Total due) -> amount as shown."""
    assert response.status_code == 200, response.status_code
    return dict(BUCKET.findall(response.get_data(as_text=True)))


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def by_kind(rows, kind: str) -> list[dict[str, str]]:
    header = rows[0]
    return [dict(zip(header, row)) for row in rows[1:] if row[0] == kind]


def due_before(customer, make, days: int, cents: int, **kw):
    """An open invoice of `cents` due `days` before AS_OF (issued 10 days before that)."""
    due = AS_OF - timedelta(days=days)
    return make.invoice(customer, lines=(("Service", 1, cents),), issued_on=due - timedelta(10),
                        due_on=due, **kw)


def test_the_bucket_of_a_due_date():
    """Current is not yet due or due that day; then 1-30, 31-60, 61-90, Over 90 days late."""
    assert [bucket_of(AS_OF - timedelta(days=n), AS_OF)
            for n in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "Current", "Current", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "Over 90",
        "Over 90"]
    assert days_past_due(date(2027, 1, 31), date(2027, 3, 1)) == 29
    assert days_past_due(date(2027, 3, 5), date(2027, 3, 1)) == 0


@pytest.mark.parametrize("days, bucket", [(0, "Current"), (1, "1-30"), (30, "1-30"),
                                          (31, "31-60"), (60, "31-60"), (61, "61-90"),
                                          (90, "61-90"), (91, "Over 90"), (-3, "Current")])
def test_an_invoice_exactly_n_days_past_due(portal, make, acme, days, bucket):
    invoice = due_before(acme, make, days, 12345, number="INV-N")
    query = f"?from=2026-01-01&to={AS_OF.isoformat()}"
    shown = aging(portal.get("/statement" + query))
    assert shown[bucket] == "$123.45" and shown["Total due"] == "$123.45"
    assert all(shown[name] == "$0.00" for name in BUCKETS if name != bucket)
    row, = by_kind(csv_rows(portal.get("/statement/csv" + query)), "Open invoice")
    assert row["Invoice"] == invoice.number and row["Aging bucket"] == bucket
    assert row["Days past due"] == str(max(days, 0)) and row["Amount"] == "123.45"


def test_buckets_across_month_ends_and_a_leap_day(portal, make, acme):
    """Days are counted on the calendar: 31 Jan to 1 Mar is 29 days in 2027, 30 in 2028."""
    make.invoice(acme, number="JAN31", issued_on=date(2027, 1, 1), due_on=date(2027, 1, 31),
                 lines=(("a", 1, 100),))
    make.invoice(acme, number="DEC31", issued_on=date(2026, 12, 1), due_on=date(2026, 12, 31),
                 lines=(("b", 1, 200),))
    make.invoice(acme, number="NOV30", issued_on=date(2026, 11, 1), due_on=date(2026, 11, 30),
                 lines=(("c", 1, 400),))
    make.invoice(acme, number="FEB28", issued_on=date(2027, 2, 1), due_on=date(2027, 2, 28),
                 lines=(("d", 1, 800),))
    rows = by_kind(csv_rows(portal.get("/statement/csv?from=2027-01-01&to=2027-03-01")),
                   "Open invoice")
    assert {r["Invoice"]: (r["Days past due"], r["Aging bucket"]) for r in rows} == {
        "NOV30": ("91", "Over 90"), "DEC31": ("60", "31-60"), "JAN31": ("29", "1-30"),
        "FEB28": ("1", "1-30")}
    assert [r["Invoice"] for r in rows] == ["NOV30", "DEC31", "JAN31", "FEB28"]  # oldest first
    shown = aging(portal.get("/statement?from=2027-01-01&to=2027-03-01"))
    assert shown["1-30"] == "$9.00" and shown["31-60"] == "$2.00" and shown["Over 90"] == "$4.00"
    assert shown["Total due"] == "$15.00"
    # 2028 is a leap year: 31 Jan to 1 Mar is 30 days, still 1-30; 30 Jan is 31 days.
    make.invoice(acme, number="LEAP", issued_on=date(2028, 1, 1), due_on=date(2028, 1, 30),
                 lines=(("e", 1, 1600),))
    rows = by_kind(csv_rows(portal.get("/statement/csv?from=2028-01-01&to=2028-03-01")),
                   "Open invoice")
    assert {r["Invoice"]: r["Days past due"] for r in rows}["JAN31"] == "395"
    assert {r["Invoice"]: (r["Days past due"], r["Aging bucket"]) for r in rows}["LEAP"] == (
        "31", "31-60")


def test_only_open_invoices_with_something_due_issued_by_the_end_date(portal, make, acme, shop):
    due_before(acme, make, 5, 10000, number="OPEN")
    partly = due_before(acme, make, 5, 10000, number="PARTLY")
    make.payment(partly, 2500, paid_on=AS_OF - timedelta(days=3))
    paid = due_before(acme, make, 5, 10000, number="PAID")
    make.payment(paid, 10000, paid_on=AS_OF - timedelta(days=2))
    due_before(acme, make, 5, 10000, number="VOIDED", state="void")
    make.invoice(acme, number="DRAFT", state="draft", due_in_days=None)
    make.invoice(acme, number="LATER", issued_on=AS_OF + timedelta(days=1),
                 due_on=AS_OF + timedelta(days=31))
    make.invoice(acme, number="RECEIPT", issued_on=AS_OF - timedelta(days=40), due_on=None)
    other = make.customer(shop, "Birch Construction")
    due_before(other, make, 5, 99900, number="BIRCH")
    query = f"?from=2027-01-01&to={AS_OF}"
    rows = by_kind(csv_rows(portal.get("/statement/csv" + query)), "Open invoice")
    assert {r["Invoice"]: r["Amount"] for r in rows} == {
        "OPEN": "100.00", "PARTLY": "75.00", "RECEIPT": "100.00"}
    receipt, = (r for r in rows if r["Invoice"] == "RECEIPT")  # due on receipt: its issue date
    assert receipt["Due"] == (AS_OF - timedelta(days=40)).isoformat()
    assert receipt["Aging bucket"] == "31-60"
    body = portal.get("/statement" + query).get_data(as_text=True)
    open_section = body.split('id="open-title"')[1].split('id="payments-title"')[0]
    assert ">OPEN<" in open_section and ">PARTLY<" in open_section
    for hidden in ("PAID", "VOIDED", "DRAFT", "LATER", "BIRCH"):
        assert f">{hidden}<" not in open_section, hidden
    assert ">PAID<" in body  # its payment, received in the period
    for hidden in ("VOIDED", "DRAFT", "LATER", "BIRCH"):
        assert f">{hidden}<" not in body, hidden
    assert aging(portal.get("/statement" + query))["Total due"] == "$275.00"


def test_payments_received_in_the_period(portal, make, acme, shop):
    invoice = due_before(acme, make, 5, 100000, number="INV-P")
    make.payment(invoice, 1000, paid_on=date(2027, 2, 1), reference="CHK 1001")
    make.payment(invoice, 2000, paid_on=date(2026, 11, 1), reference="TOO OLD")  # before
    make.payment(invoice, 3000, paid_on=date(2027, 3, 2), reference="TOO NEW")  # after
    make.payment(invoice, 4000, status="failed", paid_on=date(2027, 2, 2), reference="FAILED")
    make.payment(invoice, 5000, refunded_cents=500, paid_on=date(2027, 2, 3), method="card")
    other = due_before(make.customer(shop, "Birch"), make, 5, 100000, number="INV-B")
    make.payment(other, 6000, paid_on=date(2027, 2, 1), reference="BIRCH")
    response = portal.get("/statement?from=2026-12-01&to=2027-03-01")
    body = response.get_data(as_text=True)
    assert "CHK 1001" in body and "$10.00" in body and "$45.00" in body
    for hidden in ("TOO OLD", "TOO NEW", "FAILED", "BIRCH"):
        assert hidden not in body
    assert "Received</th><td class=\"num\"><strong>$55.00" in body
    payment_rows = by_kind(csv_rows(portal.get("/statement/csv?from=2026-12-01&to=2027-03-01")),
                           "Payment")
    assert [(r["Date paid"], r["Invoice"], r["Method"], r["Amount"]) for r in payment_rows] == [
        ("2027-02-01", "INV-P", "Check", "10.00"), ("2027-02-03", "INV-P", "Card", "45.00")]
    # each links to its receipt, in the console the console's
    assert len(re.findall(r'href="/payments/\d+">Receipt', body)) == 2
    staff = make_portal_staff(portal.application, make, shop)
    console = staff.get(f"/staff/customers/{acme.id}/statement?from=2026-12-01&to=2027-03-01")
    receipts = re.findall(r'href="(/staff/payments/\d+)">Receipt', console.get_data(as_text=True))
    assert len(receipts) == 2 and staff.get(receipts[0]).status_code == 200


def test_the_shops_today_sets_the_default_range_and_the_age(app, make):
    """Near midnight the shop's day is not UTC's: at 03:30 UTC on 2 March it is still 1 March
    in Chicago (an invoice due 1 March is Current, one due 30 Jan is 30 days late), and 2 March
    in Tokyo from 15:00 UTC on 1 March (due 1 March is 1 day late)."""
    chicago = make.shop("Prairie Diesel", slug="prairie", timezone="America/Chicago")
    tokyo = make.shop("Harbor Tokyo", slug="tokyo", timezone="Asia/Tokyo")
    clients = {}
    for shop in (chicago, tokyo):
        customer = make.customer(shop, "Acme Logistics")
        contact = make.active_contact(customer, email=f"ap@{shop.slug}.example",
                                      is_billing=True)
        make.invoice(customer, number="DUE-MAR1", issued_on=date(2027, 2, 1),
                     due_on=date(2027, 3, 1), lines=(("a", 1, 100),))
        make.invoice(customer, number="DUE-JAN30", issued_on=date(2027, 1, 1),
                     due_on=date(2027, 1, 30), lines=(("b", 1, 200),))
        # paid online at 23:30 on 28 Feb, Chicago time (05:30 UTC on 1 March)
        make.payment(make.invoice(customer, number="ONLINE", issued_on=date(2027, 2, 1),
                                  due_on=date(2027, 2, 1)), 10000, method="card", paid_on=None,
                     created_at=datetime(2027, 3, 1, 5, 30, tzinfo=timezone.utc))
        clients[shop.slug] = contact
    with time_machine.travel(datetime(2027, 3, 2, 3, 30, tzinfo=timezone.utc), tick=False):
        client = app.test_client()
        client.login_portal(clients["prairie"].email, PASSWORD)
        page = client.get("/statement").get_data(as_text=True)
        assert 'name="from" type="date" value="2026-12-01"' in page  # 90 days before 1 March
        assert 'name="to" type="date" value="2027-03-01"' in page
        rows = by_kind(csv_rows(client.get("/statement/csv")), "Open invoice")
        assert {r["Invoice"]: (r["Days past due"], r["Aging bucket"]) for r in rows} == {
            "DUE-MAR1": ("0", "Current"), "DUE-JAN30": ("30", "1-30")}
        payment, = by_kind(csv_rows(client.get("/statement/csv")), "Payment")
        assert payment["Date paid"] == "2027-02-28"  # the shop's day, not UTC's
        assert by_kind(csv_rows(client.get("/statement/csv?from=2027-03-01")), "Payment") == []
        download = client.get("/statement/pdf")
        assert "2027-03-01.pdf" in download.headers["Content-Disposition"]
    with time_machine.travel(datetime(2027, 3, 1, 15, 30, tzinfo=timezone.utc), tick=False):
        client = app.test_client()
        client.login_portal(clients["tokyo"].email, PASSWORD)
        rows = by_kind(csv_rows(client.get("/statement/csv")), "Open invoice")
        assert {r["Invoice"]: (r["Days past due"], r["Aging bucket"]) for r in rows} == {
            "DUE-MAR1": ("1", "1-30"), "DUE-JAN30": ("31", "31-60")}
        assert 'value="2027-03-02"' in client.get("/statement").get_data(as_text=True)


def test_both_audiences_see_one_statement(portal, staff_client, make, acme, shop):
    acme_id = acme.id
    due_before(acme, make, 45, 30000, number="INV-45")
    due_before(acme, make, 0, 1000, number="INV-0")
    query = "?from=2027-01-01&to=2027-03-01"
    mine = portal.get("/statement" + query)
    theirs = staff_client.get(f"/staff/customers/{acme_id}/statement" + query)
    assert aging(mine) == aging(theirs) == {
        "Current": "$10.00", "1-30": "$0.00", "31-60": "$300.00", "61-90": "$0.00",
        "Over 90": "$0.00", "Total due": "$310.00"}
    mine, theirs = mine.get_data(as_text=True), theirs.get_data(as_text=True)
    for body in (mine, theirs):
        assert "Download PDF" in body and "Download CSV" in body
        assert "Harbor Diesel" in body and "Acme Logistics" in body
    assert "Email statement" in theirs and "Email statement" not in mine
    assert 'href="/statement/pdf?from=2027-01-01&amp;to=2027-03-01"' in mine
    assert f'href="/staff/customers/{acme_id}/statement/csv?from=2027-01-01&amp;to=2027-03-01"' \
        in theirs
    assert "Statement of account of Acme Logistics" in theirs
    # the console's invoice links stay in the console
    assert re.search(r'href="/staff/invoices/\d+">INV-45<', theirs)
    assert re.search(r'href="/invoices/\d+">INV-45<', mine)
    # htmx asks for the page too (no fragment): the same statement
    assert aging(portal.get("/statement" + query, headers={"HX-Request": "true"}))[
        "Total due"] == "$310.00"
    # the customer's page in the console links to it
    page = staff_client.get(f"/staff/customers/{acme_id}").get_data(as_text=True)
    assert f'href="/staff/customers/{acme_id}/statement">Statement</a>' in page


def test_another_customers_or_shops_statement_is_a_404(app, make, shop, staff_client, read):
    other_shop = make.shop("Summit Fleet")
    theirs = make.customer(other_shop, "Cedar Haulage")
    contact = make.active_contact(theirs, is_billing=True)
    for suffix in ("", "/pdf", "/csv"):
        assert staff_client.get(f"/staff/customers/{theirs.id}/statement{suffix}") \
            .status_code == 404
        assert staff_client.get(f"/staff/customers/999999999/statement{suffix}") \
            .status_code == 404
    assert staff_client.post_form(f"/staff/customers/{theirs.id}/statement/email") \
        .status_code == 404
    assert read(lambda: db.session.scalar(select(func.count()).select_from(OutboundEmail))) == 0
    # a customer can't name another customer: the portal's statement has no id at all
    client = app.test_client()
    client.login_portal(contact.email, PASSWORD)
    assert client.get(f"/staff/customers/{theirs.id}/statement").status_code == 302
    assert client.get(f"/statement?customer_id={make.customer(shop).id}").status_code == 200


def test_the_pdf(portal, make, acme, shop):
    due_before(acme, make, 0, 10000, number="INV-CUR")
    due_before(acme, make, 75, 25050, number="INV-75", po_number="PO-881")
    response = portal.get("/statement/pdf?from=2027-01-01&to=2027-03-01")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and \
        f'filename="statement-{acme.id}-2027-03-01.pdf"' in disposition
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for expected in ("Statement", "Harbor Diesel", "Acme Logistics", *BUCKETS, "$350.50",
                     "INV-75", "PO-881", "$250.50", "Total due"):
        assert expected in text, expected


def test_the_pdf_name_carries_the_account_number(app, make, shop):
    customer = make.customer(shop, "Birch", account_number="BIRCH-7")
    contact = make.active_contact(customer)
    client = app.test_client()
    client.login_portal(contact.email, PASSWORD)
    response = client.get("/statement/pdf?to=2027-03-01")
    assert 'filename="statement-BIRCH-7-2027-03-01.pdf"' in \
        response.headers["Content-Disposition"]


def test_the_csv(staff_client, make, acme, shop):
    invoice = due_before(acme, make, 40, 12000, number="INV-40", po_number="=1+1")
    make.payment(invoice, 2000, paid_on=date(2027, 2, 10), reference="=HYPERLINK(\"x\")")
    unit = make.asset(acme, "TRK-9")
    due_before(acme, make, 2, 5000, number="INV-2", asset_id=unit.id)
    response = staff_client.get(f"/staff/customers/{acme.id}/statement/csv"
                                "?from=2027-01-01&to=2027-03-01")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert f'filename="statement-{acme.id}-2027-03-01.csv"' in \
        response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response)
    assert rows[0] == ["Row", "Invoice", "Issued", "Due", "Days past due", "Aging bucket",
                       "Unit number", "PO number", "Date paid", "Method", "Reference", "Amount"]
    assert rows[1] == ["Open invoice", "INV-40", "2027-01-10", "2027-01-20", "40", "31-60", "",
                       "'=1+1", "", "", "", "100.00"]
    assert rows[2][:8] == ["Open invoice", "INV-2", "2027-02-17", "2027-02-27", "2", "1-30",
                           "TRK-9", ""]
    assert [(r["Aging bucket"], r["Amount"]) for r in by_kind(rows, "Bucket total")] == [
        ("Current", "0.00"), ("1-30", "50.00"), ("31-60", "100.00"), ("61-90", "0.00"),
        ("Over 90", "0.00")]
    assert by_kind(rows, "Balance")[0]["Amount"] == "150.00"
    payment, = by_kind(rows, "Payment")
    assert payment["PO number"] == "'=1+1" and payment["Reference"] == "'=HYPERLINK(\"x\")"
    assert payment["Amount"] == "20.00" and payment["Date paid"] == "2027-02-10"


def test_email_statement(staff_client, make, acme, dana, shop, mailbox, read):
    make.active_contact(acme, email="ops@acme.example", name="Ops Desk")  # not billing
    make.active_contact(acme, email="lee@acme.example", name="Lee Park", is_billing=True,
                        portal_disabled=True)  # no access
    make.contact(acme, email="new@acme.example", is_billing=True)  # no login yet
    due_before(acme, make, 35, 40000, number="INV-35")
    page = staff_client.get(f"/staff/customers/{acme.id}/statement?from=2027-01-01&to=2027-03-01")
    body = page.get_data(as_text=True)
    assert "Email statement sends it to Dana Ortiz" in body
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    form = {"csrf_token": token, "from": "2027-01-01", "to": "2027-03-01"}
    response = staff_client.post(f"/staff/customers/{acme.id}/statement/email", data=form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/staff/customers/{acme.id}/statement?from=2027-01-01&to=2027-03-01")
    shown = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Statement emailed to 1 billing contact: Dana Ortiz." in shown
    message, = wait_for(lambda: mailbox.to("dana@acme.example"))
    assert message.subject == "Your statement of account from Harbor Diesel"
    for part in (message.text, message.html):
        assert "Acme Logistics" in part and "$400.00" in part and "31-60" in part
        assert f"/statement?from=2027-01-01&amp;to=2027-03-01&amp;shop={shop.slug}" in part \
            or f"/statement?from=2027-01-01&to=2027-03-01&shop={shop.slug}" in part
        assert "/statement/pdf?from=2027-01-01" in part
    assert not mailbox.to("ops@acme.example") and not mailbox.to("lee@acme.example")
    assert not mailbox.to("new@acme.example")
    # a double click (or a second tab) sends nothing more
    again = staff_client.post(f"/staff/customers/{acme.id}/statement/email", data=form)
    assert "not sent again" in staff_client.get(again.headers["Location"]).get_data(as_text=True)
    assert read(lambda: db.session.scalar(select(func.count()).select_from(OutboundEmail)
                                          .where(OutboundEmail.kind == "statement"))) == 1
    # the link in the email opens the statement for Dana (the shop's login first)
    link = re.search(r"http://portal\.test(/statement\?[^\s]+)", message.text).group(1)
    assert "Acme Logistics" in make_portal(staff_client.application, dana).get(link) \
        .get_data(as_text=True)


def make_portal_staff(app, make, shop):
    client = app.test_client()
    client.login_staff(make.staff(shop).email, PASSWORD)
    return client


def make_portal(app, contact):
    client = app.test_client()
    client.login_portal(contact.email, PASSWORD)
    return client


def test_email_statement_without_billing_contacts(staff_client, make, shop, mailbox, read):
    customer = make.customer(shop, "No Billing Co")
    make.active_contact(customer, email="ops@nobilling.example")
    response = staff_client.post_form(f"/staff/customers/{customer.id}/statement/email")
    assert response.status_code == 303
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nobody received it: this customer has no billing contact" in page
    assert "No billing contact can receive it by email" in page
    assert read(lambda: db.session.scalar(select(func.count()).select_from(OutboundEmail))) == 0


@pytest.mark.parametrize("query, field, message, start, end", [
    ("from=yesterday&to=2027-03-01", "from", "Enter a start date like", "2026-12-01", "2027-03-01"),
    ("from=2027-03-05&to=2027-03-01", "from", "The start date must be on or before the end date.",
     "2026-12-01", "2027-03-01"),
    ("from=0001-01-01&to=2027-03-01", "from", "Enter a start date within 50 years of today.",
     "2026-12-01", "2027-03-01"),
    ("from=2027-01-01&to=9999-12-31", "to", "Enter an end date within 50 years of today.",
     None, None),
    ("from=2027-01-01&to=2027-02-30", "to", "Enter an end date like", None, None),
    ("from=2027-01-01&to=99999-01-01", "to", "Enter an end date like", None, None),
    ("from=%00%ff&to=<script>", "from", "Enter a start date like", None, None),
])
def test_bad_dates_get_a_message_at_their_field_and_fall_back(portal, make, acme, query, field,
                                                               message, start, end):
    due_before(acme, make, 10, 1000)
    response = portal.get("/statement?" + query)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'<p class="error" id="{field}-msg">{message}' in body
    assert f'href="#{field}"' in body  # the error summary links to the field
    assert 'aria-invalid="true"' in body and "<script>" not in body
    typed = dict(part.split("=", 1) for part in query.split("&"))[field]
    if "%" not in typed and "<" not in typed:
        assert f'value="{typed}"' in body  # what was typed stays
    if start:
        assert f"Payments from {date.fromisoformat(start):%-d %b %Y} to " \
               f"{date.fromisoformat(end):%-d %b %Y}" in body
    for download in ("/statement/pdf?", "/statement/csv?"):
        assert portal.get(download + query).status_code == 200


def test_a_bad_end_date_falls_back_to_the_shops_today(app, make, shop, acme, dana):
    with time_machine.travel(datetime(2027, 6, 15, 12, tzinfo=timezone.utc), tick=False):
        client = make_portal(app, dana)
        body = client.get("/statement?to=nope").get_data(as_text=True)
        assert "Payments from 17 Mar 2027 to 15 Jun 2027" in body
