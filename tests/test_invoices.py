"""Invoices through HTTP: staff drafts, issuing, "Mark as paid", voiding; the portal's pages.

The status the portal shows is computed from the invoice and its payments on every request:
these tests change the database between requests and read the next page.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import Invoice, OutboundEmail, Payment, utcnow
from portal_app.services.invoices import money, parse_money
from tests.conftest import wait_for
from tests.factories import PASSWORD

BADGE = re.compile(r'class="badge badge-(\w+)">(\w+)<')


@pytest.fixture
def staff_client(app, make, shop):
    client = app.test_client()
    client.login_staff(make.staff(shop, role="staff").email, PASSWORD)
    return client


def badges(response) -> list[str]:
    return [label for _, label in BADGE.findall(response.get_data(as_text=True))]


def test_money_parsing_and_formatting():
    assert parse_money("1,250.5") == 125050
    assert parse_money("$12") == 1200 and parse_money(".5") == 50
    for bad in ("", "-3", "1.234", "abc", "1.2.3", "9999999999"):
        assert parse_money(bad) is None, bad
    assert money(123456) == "$1,234.56" and money(-5) == "-$0.05"


def test_staff_drafts_an_invoice_with_lines_and_errors_keep_input(staff_client, acme, read):
    form = {"customer_id": acme.id, "number": "INV-7", "issued_on": "2026-11-01",
            "due_on": "2026-10-01", "memo": "Thanks",
            "lines-0-description": "Brake job", "lines-0-quantity": "2",
            "lines-0-unit_price": "12x", "lines-1-description": "", "lines-1-quantity": "",
            "lines-1-unit_price": ""}
    response = staff_client.post_form("/staff/invoices/new", form)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter an amount like 125.00." in body
    assert "The due date can&#39;t be before the issue date." in body
    assert 'value="Brake job"' in body and 'value="12x"' in body  # typed values stay
    # "More lines" adds blank rows and keeps what was typed, with JavaScript off.
    more = staff_client.post_form("/staff/invoices/new", {**form, "action": "more_lines"})
    assert more.status_code == 200 and more.get_data(as_text=True).count('name="lines-') >= 9
    form.update({"lines-0-unit_price": "1,250.50", "due_on": "2026-12-01"})
    response = staff_client.post_form("/staff/invoices/new", form)
    assert response.status_code == 303
    invoice = read(lambda: db.session.scalar(select(Invoice)))
    assert (invoice.state, invoice.number, invoice.total_cents) == ("draft", "INV-7", 250100)
    # A second invoice with the same number is a form error, not a 500.
    again = staff_client.post_form("/staff/invoices/new", form)
    assert again.status_code == 422
    assert "Another invoice already has this number." in again.get_data(as_text=True)


def test_issue_emails_billing_contacts_only_when_notifications_are_on(
        staff_client, make, shop, acme, dana, mailbox, read):
    make.contact(acme, email="ops@acme.example", is_billing=False)
    draft = make.invoice(acme, state="draft", number="INV-100")
    response = staff_client.post_form(f"/staff/invoices/{draft.id}/issue")
    assert response.status_code == 303
    messages = wait_for(lambda: mailbox.to("dana@acme.example"))
    assert messages and "INV-100" in messages[0].text and "/invoices/" in messages[0].text
    assert not mailbox.to("ops@acme.example")
    assert read(lambda: db.session.get(Invoice, draft.id).state) == "open"
    # Issuing twice is refused with a message.
    staff_client.post_form(f"/staff/invoices/{draft.id}/issue")
    assert "Only a draft can be issued." in staff_client.get(
        f"/staff/invoices/{draft.id}").get_data(as_text=True)

    make.payment_settings(shop, invoice_notifications=False)
    quiet = make.invoice(acme, state="draft", number="INV-101")
    staff_client.post_form(f"/staff/invoices/{quiet.id}/issue")
    assert read(lambda: db.session.get(Invoice, quiet.id).state) == "open"
    assert read(lambda: db.session.scalar(select(func.count()).select_from(OutboundEmail)
                                          .where(OutboundEmail.kind == "invoice_issued"))) == 1


def test_mark_as_paid_shows_paid_on_the_portals_next_request(staff_client, portal, acme, make,
                                                             read):
    """FAQ troubleshooting 4: Paid in the console is Paid in the portal at once."""
    invoice = make.invoice(acme, lines=[("Inspection", 2, 15000)], number="INV-200")
    page = portal.get(f"/invoices/{invoice.id}")
    assert badges(page) == ["Unpaid"] and "$300.00" in page.get_data(as_text=True)

    # A partial payment: still Unpaid, amount due drops.
    response = staff_client.post_form(f"/staff/invoices/{invoice.id}/payments", {
        "amount": "100", "method": "check", "reference": "Check 51", "paid_on": "2026-11-20"})
    assert response.status_code == 303
    page = portal.get(f"/invoices/{invoice.id}")
    assert badges(page) == ["Unpaid"] and "Amount due: $200.00" in page.get_data(as_text=True)
    # More than the amount due is refused next to the field, keeping the input.
    response = staff_client.post_form(f"/staff/invoices/{invoice.id}/payments", {
        "amount": "250", "method": "cash", "reference": "", "paid_on": "2026-11-21"})
    assert response.status_code == 422
    assert "more than the amount due ($200.00)" in response.get_data(as_text=True)
    assert 'value="250"' in response.get_data(as_text=True)

    staff_client.post_form(f"/staff/invoices/{invoice.id}/payments", {
        "amount": "200.00", "method": "transfer", "reference": "", "paid_on": "2026-11-22"})
    page = portal.get(f"/invoices/{invoice.id}")
    assert badges(page) == ["Paid"] and "Paid in full" in page.get_data(as_text=True)
    assert "Pay by card" not in page.get_data(as_text=True)
    assert badges(portal.get("/invoices")) == ["Paid"]
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Payment))) == 2


def test_void_and_its_rules(staff_client, portal, acme, make, read):
    invoice = make.invoice(acme, number="INV-300")
    response = staff_client.post_form(f"/staff/invoices/{invoice.id}/void",
                                      {"reason": "Billed twice"})
    assert response.status_code == 303
    page = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Billed twice" in page and ">Void<" in page
    paid = make.invoice(acme, number="INV-301")
    make.payment(paid, 5000)
    staff_client.post_form(f"/staff/invoices/{paid.id}/void", {"reason": ""})
    assert read(lambda: db.session.get(Invoice, paid.id).state) == "open"
    assert "has payments" in staff_client.get(f"/staff/invoices/{paid.id}").get_data(
        as_text=True)
    # A void invoice takes no payment.
    response = staff_client.post_form(f"/staff/invoices/{invoice.id}/payments", {
        "amount": "10", "method": "cash", "reference": "", "paid_on": "2026-11-22"})
    assert response.status_code == 422


def test_portal_list_badges_filters_and_drafts_hidden(portal, acme, make):
    make.invoice(acme, number="INV-A")                                     # Unpaid
    make.invoice(acme, number="INV-B", due_in_days=-3)                     # Overdue
    paid = make.invoice(acme, number="INV-C")
    make.payment(paid, 10000)                                              # Paid
    make.invoice(acme, number="INV-D", state="void")                       # Void
    ach = make.invoice(acme, number="INV-E")
    make.payment(ach, 10000, method="ach", status="processing")           # Processing
    draft = make.invoice(acme, number="INV-DRAFT", state="draft")
    listing = portal.get("/invoices")
    assert sorted(badges(listing)) == ["Overdue", "Paid", "Processing", "Unpaid", "Void"]
    assert "INV-DRAFT" not in listing.get_data(as_text=True)
    assert portal.get(f"/invoices/{draft.id}").status_code == 404
    assert portal.get(f"/invoices/{draft.id}/print").status_code == 404
    for status, label in (("overdue", "Overdue"), ("paid", "Paid"), ("void", "Void"),
                          ("processing", "Processing"), ("unpaid", "Unpaid")):
        assert badges(portal.get(f"/invoices?status={status}")) == [label]
    fragment = portal.get("/invoices?status=paid", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).startswith('\n<div id="results">') or \
        fragment.get_data(as_text=True).lstrip().startswith('<div id="results">')
    assert "<html" not in fragment.get_data(as_text=True)


def test_portal_list_paginates(portal, acme, make):
    for n in range(27):
        make.invoice(acme, number=f"P-{n:03d}")
    first = portal.get("/invoices").get_data(as_text=True)
    rows = re.compile(r'href="/invoices/\d+"')  # the rows' links (not Export CSV's)
    assert len(rows.findall(first)) == 25 and "Page 1<" in first and 'rel="next"' in first
    assert len(rows.findall(portal.get("/invoices?page=2").get_data(as_text=True))) == 2


def test_print_view_has_no_navigation(portal, acme, make):
    invoice = make.invoice(acme, lines=[("Brake pads", 2, 4550)], number="INV-P")
    page = portal.get(f"/invoices/{invoice.id}/print").get_data(as_text=True)
    assert "Brake pads" in page and "$91.00" in page and "Acme Logistics" in page
    assert 'class="nav"' not in page and "Log out" not in page and "print" in page
    assert re.search(r'href="/static/css/print-[0-9a-f]+\.css"', page)


def test_dashboard_shows_open_and_overdue(portal, acme, make):
    assert "No open invoices" in portal.get("/").get_data(as_text=True)
    make.invoice(acme, lines=[("A", 1, 2000)], due_in_days=-1)
    make.invoice(acme, lines=[("B", 1, 3000)])
    make.invoice(acme, lines=[("C", 1, 4000)], state="draft")
    page = portal.get("/").get_data(as_text=True)
    assert "2 to pay</strong></a> · $50.00, " in page and "$20.00 overdue" in page


def test_staff_list_filters_and_search(staff_client, acme, make, shop):
    other = make.customer(shop, "Birch Construction")
    make.invoice(acme, number="INV-1", due_in_days=-5)
    make.invoice(other, number="INV-2", state="draft")
    page = staff_client.get("/staff/invoices?status=draft").get_data(as_text=True)
    assert "INV-2" in page and "INV-1" not in page.split('id="results"')[1]
    page = staff_client.get("/staff/invoices?q=acme").get_data(as_text=True)
    assert "INV-1" in page and "INV-2" not in page.split('id="results"')[1]
    assert badges(staff_client.get("/staff/invoices?status=overdue")) == ["Overdue"]


def test_only_drafts_can_be_edited(staff_client, acme, make, read):
    draft = make.invoice(acme, state="draft", number="INV-E1", lines=[("Old", 1, 100)])
    page = staff_client.get(f"/staff/invoices/{draft.id}/edit").get_data(as_text=True)
    assert 'value="Old"' in page and 'value="1.00"' in page
    response = staff_client.post_form(f"/staff/invoices/{draft.id}/edit", {
        "customer_id": acme.id, "number": "INV-E1", "issued_on": "", "due_on": "",
        "memo": "", "lines-0-description": "New", "lines-0-quantity": "3",
        "lines-0-unit_price": "2"})
    assert response.status_code == 303
    assert read(lambda: db.session.get(Invoice, draft.id).total_cents) == 600
    issued = make.invoice(acme, number="INV-E2")
    assert staff_client.get(f"/staff/invoices/{issued.id}/edit").status_code == 303


def test_another_customers_invoice_is_404(portal, make, shop):
    birch = make.customer(shop, "Birch Construction")
    theirs = make.invoice(birch, number="INV-X")
    for url in (f"/invoices/{theirs.id}", f"/invoices/{theirs.id}/print"):
        assert portal.get(url).status_code == 404
    assert "INV-X" not in portal.get("/invoices").get_data(as_text=True)


def test_overdue_follows_the_calendar(portal, acme, make, read):
    invoice = make.invoice(acme, due_on=utcnow().date() - timedelta(days=1))
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Overdue"]


def test_an_invoice_names_a_unit_and_shows_in_its_service_history(staff_client, portal, acme,
                                                                   make, read):
    unit = make.asset(acme, "T-101")
    form = {"customer_id": acme.id, "number": "INV-U1", "issued_on": "", "due_on": "",
            "memo": "", "unit_number": "T-999", "lines-0-description": "Brakes",
            "lines-0-quantity": "1", "lines-0-unit_price": "480"}
    response = staff_client.post_form("/staff/invoices/new", form)
    assert response.status_code == 422
    assert "This customer has no unit numbered “T-999”." in response.get_data(as_text=True)
    response = staff_client.post_form("/staff/invoices/new", {**form, "unit_number": " t-101 "})
    assert response.status_code == 303
    invoice = read(lambda: db.session.scalar(select(Invoice)))
    assert invoice.asset_id == unit.id
    # A draft shows in the console's history only; issued, the customer sees it too.
    assert "INV-U1" in staff_client.get(f"/staff/assets/{unit.id}").get_data(as_text=True)
    assert "INV-U1" not in portal.get(f"/assets/{unit.id}").get_data(as_text=True)
    staff_client.post_form(f"/staff/invoices/{invoice.id}/issue")
    history = portal.get(f"/assets/{unit.id}").get_data(as_text=True)
    assert "INV-U1" in history and f'href="/invoices/{invoice.id}"' in history
    assert f'href="/assets/{unit.id}">T-101</a>' in portal.get(
        f"/invoices/{invoice.id}").get_data(as_text=True)
    # The console's "New invoice" on the asset page fills in the customer and the unit.
    page = staff_client.get(f"/staff/invoices/new?customer_id={acme.id}&unit_number=T-101")
    assert 'value="T-101"' in page.get_data(as_text=True)


def test_staff_dashboard_and_customer_page_lead_to_invoices(staff_client, acme, make, shop):
    other = make.customer(shop, "Birch Construction")
    make.invoice(acme, number="INV-OD", lines=[("A", 1, 12500)], due_in_days=-10)
    make.invoice(other, number="INV-OTHER")
    late = make.invoice(acme, number="INV-ACH")
    make.payment(late, 10000, method="ach", status="processing",
                 updated_at=utcnow() - timedelta(days=9))
    page = staff_client.get("/staff/").get_data(as_text=True)
    assert "invoices overdue · $125.00" in page and "1 for over a week" in page
    customer_page = staff_client.get(f"/staff/customers/{acme.id}").get_data(as_text=True)
    assert f'href="/staff/invoices?customer_id={acme.id}"' in customer_page
    listing = staff_client.get(f"/staff/invoices?customer_id={acme.id}").get_data(as_text=True)
    assert "INV-OD" in listing and "INV-OTHER" not in listing


def _half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def expected_total(invoice) -> tuple[int, int]:
    """(total, tax) as the product states it, computed here with exact fractions from the
    invoice's lines and stored rate (not with services.pricing): each line's quantity x unit
    price less its discount, rounded half up to the cent; tax = rate x the taxable lines' sum,
    rounded half up once; none when the customer is exempt."""
    amounts = [(_half_up(Fraction(str(line.quantity)) * line.unit_price_cents
                         * (100 - Fraction(str(line.discount or 0))) / 100), line.taxable)
               for line in invoice.lines]
    taxable = sum(amount for amount, taxed in amounts if taxed)
    rate = Fraction(str(invoice.tax_rate)) if invoice.tax_rate and not invoice.tax_exempt else 0
    tax = _half_up(taxable * rate / 100)
    return sum(amount for amount, _ in amounts) + tax, tax


def expected_status(invoice, today) -> tuple[str, int]:
    """The status rule as the product states it, computed here from the invoice's own lines and
    payments (not from the stored figures): (status, amount due)."""
    total, _ = expected_total(invoice)
    paid = sum(p.amount_cents - p.refunded_cents for p in invoice.payments
               if p.status == "succeeded")
    processing = sum(p.amount_cents for p in invoice.payments if p.status == "processing")
    due = max(total - paid, 0)
    if invoice.state in ("draft", "void"):
        return invoice.state, due
    if total > 0 and due == 0:
        return "paid", due
    if processing > 0 and processing >= due:
        return "processing", due
    if invoice.due_on is not None and invoice.due_on < today:
        return "overdue", due
    return "unpaid", due


def test_sql_status_rule_matches_the_python_rule(app, make, read):
    """Lists filter by status in SQL on the stored columns and pages show status_on(): both
    must agree with the rule computed from the lines and payments, on every combination of
    lines, payments (also refunded and processing) and due dates."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from sqlalchemy.orm import selectinload

    from portal_app.clock import today
    from portal_app.services.invoices import open_summary, with_status

    payment = st.tuples(st.integers(1, 300), st.sampled_from(
        ["succeeded", "processing", "failed", "pending"]), st.integers(0, 100))
    invoice = st.tuples(st.sampled_from(["draft", "open", "open", "void"]),
                        st.lists(st.integers(0, 300), min_size=0, max_size=2),
                        st.integers(-5, 5), st.lists(payment, max_size=3))

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(invoice, min_size=1, max_size=4))
    def check(specs):
        shop = make.shop()
        customer = make.customer(shop)
        for state, lines, due_in, payments in specs:
            made = make.invoice(customer, state=state, due_in_days=due_in,
                                lines=[("Line", 1, cents) for cents in lines])
            for amount, status, refund_pct in payments:
                make.payment(made, amount, status=status,
                             refunded_cents=amount * refund_pct // 100 if status == "succeeded"
                             else 0)

        def compare():
            base = select(Invoice).where(Invoice.shop_id == shop.id)
            rows = db.session.scalars(base.options(selectinload(Invoice.lines),
                                                   selectinload(Invoice.payments))).all()
            truth = {row.id: expected_status(row, today()) for row in rows}
            shown = {row.id: (row.status_on(today()), row.amount_due_cents) for row in rows}
            filtered = {status: {i.id for i in db.session.scalars(with_status(base, status))}
                        for status in ("draft", "unpaid", "overdue", "processing", "paid",
                                       "void")}
            return truth, shown, filtered, (open_summary(shop.id),
                                            open_summary(shop.id, customer.id))

        truth, shown, filtered, summaries = read(compare)
        assert shown == truth
        for status, ids in filtered.items():
            assert ids == {i for i, (s, _) in truth.items() if s == status}, status
        for summary in summaries:  # the staff dashboard's and the customer's
            for status in ("unpaid", "overdue", "processing"):
                ids = [i for i, (s, _) in truth.items() if s == status]
                assert summary[status] == (len(ids), sum(truth[i][1] for i in ids)), status

    check()


def test_overdue_lists_are_in_due_date_order_most_overdue_first(portal, staff_client, acme,
                                                                make):
    make.invoice(acme, number="INV-LATE-5", due_in_days=-5)
    make.invoice(acme, number="INV-LATE-40", due_in_days=-40)
    make.invoice(acme, number="INV-LATE-1", due_in_days=-1)
    make.invoice(acme, number="INV-NOT-YET", due_in_days=3)
    for client, url in ((portal, "/invoices?status=overdue"),
                        (staff_client, "/staff/invoices?status=overdue")):
        page = client.get(url).get_data(as_text=True)
        numbers = re.findall(r">(INV-[A-Z0-9-]+)</a>", page)
        assert numbers == ["INV-LATE-40", "INV-LATE-5", "INV-LATE-1"], (url, numbers)
