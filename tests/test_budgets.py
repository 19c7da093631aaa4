"""Budgets from ARCHITECTURE.md: compressed bytes per page and fragment, and SQL queries per page
that do not grow with the number of rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.page_weight import (
    FRAGMENT_BUDGET,
    FULL_PAGE_BUDGET,
    HEADER,
    LIST_HTML_BUDGET,
    measure,
)
from tests.factories import PASSWORD

REPORT = Path(__file__).resolve().parent.parent / "bench" / "out" / "budgets.txt"


def _fill(app, make, rows: int):
    """A shop with `rows` customers, contacts on one customer, emails in the log, and `rows`
    assets and service requests of the portal contact's customer over two locations."""
    from portal_app.extensions import db
    from portal_app.models import OutboundEmail

    shop = make.shop("Harbor Diesel")
    admin = make.staff(shop, role="admin")
    customers = [make.customer(shop, f"Customer {n:03d}") for n in range(rows)]
    first = customers[0]
    for n in range(min(rows, 8)):
        make.contact(first, name=f"Driver {n}")
    contact = make.active_contact(first, name="Dana Ortiz")
    with app.app_context():
        for n in range(rows):
            db.session.add(OutboundEmail(shop_id=shop.id, kind="invitation",
                                         recipient=f"p{n}@example.com",
                                         recipient_domain="example.com", subject="Invitation",
                                         status="failed" if n % 3 == 0 else "sent", attempts=1,
                                         last_error="550 Mailbox unavailable" if n % 3 == 0
                                         else None))
        db.session.commit()
    for n in range(rows):  # invoices of every status, some with payments
        invoice = make.invoice(first, lines=[("Brake service", 1, 48000), ("Pads", 2, 12950)],
                               number=f"INV-{n:04d}", due_in_days=30 - 3 * n)
        if n % 4 == 1:
            make.payment(invoice, 73900)
        elif n % 4 == 2:
            make.payment(invoice, 20000, method="ach", status="processing")
    depot, yard = make.location(first, "Main depot"), make.location(first, "North yard")
    assets = [make.asset(first, f"T-{n:03d}", depot if n % 2 else yard) for n in range(rows)]
    for n in range(rows):
        make.service_request(contact, depot if n % 2 else yard, assets[n],
                             status=("submitted", "scheduled")[n % 2])
    _fill_estimates(make, admin, first, contact, assets, rows)
    return shop, admin, first, contact


ESTIMATE_LINES = [("Front brake pads and rotors", 1, 68000, False),
                  ("Brake fluid flush", 1, 12500, False), ("Wiper blades", 2, 2250, True),
                  ("Cabin air filter", 1, 3900, True)]


def _fill_estimates(make, admin, customer, contact, assets, rows: int) -> None:
    """`rows` estimates in every status and `rows` work orders (some awaiting approval) of the
    customer; the first estimate and work order (the ones measured) carry `rows` comments."""
    for n in range(rows):
        status = ("sent", "approved", "declined", "draft", "sent", "partially_approved")[n % 6]
        decided = status in ("approved", "partially_approved", "declined")
        estimate = make.estimate(customer, lines=ESTIMATE_LINES, number=f"EST-{n:04d}",
                                 status="sent" if decided else status,
                                 asset_id=assets[n].id, valid_in_days=-3 if n % 7 == 6 else 30)
        if decided:
            make.approval(estimate, contact, decision=status, po_number="PO-1")
        pending = [("Air brake hose", 1, 16500), ("Marker lights", 4, 2400)] if n % 3 == 0 \
            else []
        work_order = make.work_order(customer, lines=[("DOT inspection", 1, 18500),
                                                      ("Shop supplies", 1, 1250)],
                                     pending=pending, number=f"WO-{n:04d}", asset_id=assets[n].id)
        if n == 0:
            for k in range(rows):
                make.comment(estimate, f"Comment {k} on the estimate", contact=contact)
                make.comment(work_order, f"Reply {k} on the work order", staff=admin)


def _first_ids(app, customer):
    from sqlalchemy import select

    from portal_app.extensions import db
    from portal_app.models import Asset, ServiceRequest

    with app.app_context():
        asset = db.session.scalar(select(Asset.id).where(Asset.customer_id == customer.id)
                                  .order_by(Asset.id))
        request = db.session.scalar(select(ServiceRequest.id).where(
            ServiceRequest.customer_id == customer.id).order_by(ServiceRequest.id))
        db.session.remove()
    return asset, request


def _first_documents(app, customer):
    """The ids of the customer's first estimate (sent, with comments) and work order (awaiting
    approval, with comments)."""
    from sqlalchemy import select

    from portal_app.extensions import db
    from portal_app.models import Estimate, WorkOrder

    with app.app_context():
        estimate = db.session.scalar(select(Estimate.id).where(
            Estimate.customer_id == customer.id).order_by(Estimate.id))
        work_order = db.session.scalar(select(WorkOrder.id).where(
            WorkOrder.customer_id == customer.id).order_by(WorkOrder.id))
        db.session.remove()
    return estimate, work_order


def _measure_all(app, make, rows: int):
    shop, admin, first, contact = _fill(app, make, rows)
    asset_id, request_id = _first_ids(app, first)
    estimate_id, work_order_id = _first_documents(app, first)
    anonymous = app.test_client()
    portal = app.test_client()
    portal.login_portal(contact.email, PASSWORD)
    staff = app.test_client()
    staff.login_staff(admin.email, PASSWORD)
    return [
        ("page", measure(app, anonymous, "portal /login", "/login")),
        ("page", measure(app, anonymous, "portal /forgot-password", "/forgot-password")),
        ("page", measure(app, portal, "portal / (dashboard)", "/")),
        ("page", measure(app, anonymous, "staff /staff/login", "/staff/login")),
        ("page", measure(app, staff, "staff /staff/", "/staff/")),
        ("list", measure(app, staff, f"staff customers ({rows} rows)", "/staff/customers")),
        ("fragment", measure(app, staff, "staff customers search frag",
                             "/staff/customers?q=customer", fragment=True)),
        ("page", measure(app, staff, "staff customer page", f"/staff/customers/{first.id}")),
        ("list", measure(app, staff, f"staff email log ({rows} rows)", "/staff/email-log")),
        ("list", measure(app, portal, f"portal invoices ({rows} rows)", "/invoices")),
        ("fragment", measure(app, portal, "portal invoices filter frag",
                             "/invoices?status=unpaid", fragment=True)),
        ("page", measure(app, portal, "portal invoice page", f"/invoices/{_first_invoice(app)}")),
        ("page", measure(app, portal, "portal invoice print",
                         f"/invoices/{_first_invoice(app)}/print")),
        ("list", measure(app, staff, f"staff invoices ({rows} rows)", "/staff/invoices")),
        ("fragment", measure(app, staff, "staff invoices filter frag",
                             "/staff/invoices?status=paid", fragment=True)),
        ("page", measure(app, staff, "staff invoice page",
                         f"/staff/invoices/{_first_invoice(app)}")),
        ("page", measure(app, staff, "staff payment settings", "/staff/settings/payments")),
        ("list", measure(app, portal, f"portal assets ({rows} rows)", "/assets")),
        ("fragment", measure(app, portal, "portal assets search frag", "/assets?q=t-0",
                             fragment=True)),
        ("page", measure(app, portal, "portal asset page", f"/assets/{asset_id}")),
        ("page", measure(app, portal, "portal locations", "/locations")),
        ("list", measure(app, portal, f"portal requests ({rows} rows)", "/requests")),
        ("page", measure(app, portal, "portal request form", "/requests/new")),
        ("page", measure(app, portal, "portal request page", f"/requests/{request_id}")),
        ("list", measure(app, staff, f"staff request inbox ({rows} rows)", "/staff/requests")),
        ("page", measure(app, staff, "staff request page", f"/staff/requests/{request_id}")),
        ("list", measure(app, staff, f"staff customer assets ({rows} rows)",
                         f"/staff/customers/{first.id}/assets")),
        ("fragment", measure(app, staff, "staff assets search frag",
                             f"/staff/customers/{first.id}/assets?q=t-0", fragment=True)),
        ("list", measure(app, portal, f"portal estimates ({rows} rows)", "/estimates")),
        ("fragment", measure(app, portal, "portal estimates filter frag",
                             "/estimates?status=sent", fragment=True)),
        ("page", measure(app, portal, "portal estimate page", f"/estimates/{estimate_id}")),
        ("page", measure(app, portal, "portal estimate print",
                         f"/estimates/{estimate_id}/print")),
        ("list", measure(app, portal, f"portal work orders ({rows} rows)", "/work-orders")),
        ("fragment", measure(app, portal, "portal work orders filter frag",
                             "/work-orders?status=awaiting_approval", fragment=True)),
        ("page", measure(app, portal, "portal work order page",
                         f"/work-orders/{work_order_id}")),
        ("page", measure(app, portal, "portal work order print",
                         f"/work-orders/{work_order_id}/print")),
        ("list", measure(app, staff, f"staff estimates ({rows} rows)", "/staff/estimates")),
        ("fragment", measure(app, staff, "staff estimates filter frag",
                             "/staff/estimates?status=sent", fragment=True)),
        ("page", measure(app, staff, "staff estimate page", f"/staff/estimates/{estimate_id}")),
        ("page", measure(app, staff, "staff estimate form", "/staff/estimates/new")),
        ("page", measure(app, staff, "staff estimate edit",
                         f"/staff/estimates/{estimate_id}/edit")),
        ("list", measure(app, staff, f"staff work orders ({rows} rows)", "/staff/work-orders")),
        ("fragment", measure(app, staff, "staff work orders filter frag",
                             "/staff/work-orders?status=in_progress", fragment=True)),
        ("page", measure(app, staff, "staff work order page",
                         f"/staff/work-orders/{work_order_id}")),
        ("page", measure(app, staff, "staff additional work form",
                         f"/staff/work-orders/{work_order_id}/additional-work")),
        ("page", measure(app, staff, "staff asset page", f"/staff/assets/{asset_id}")),
    ]


def _first_invoice(app) -> int:
    """The newest invoice's id (the one the invoice pages are measured on)."""
    from sqlalchemy import func, select

    from portal_app.extensions import db
    from portal_app.models import Invoice

    with app.app_context():
        try:
            return db.session.scalar(select(func.max(Invoice.id)))
        finally:
            db.session.remove()


@pytest.fixture
def measured(app, make):
    return _measure_all(app, make, rows=25)


def test_pages_and_fragments_stay_within_budget(measured):
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(HEADER + "\n" + "\n".join(m.row() for _, m in measured) + "\n")
    for kind, m in measured:
        assert m.status == 200, m.label
        if kind == "fragment":
            assert m.html_bytes <= FRAGMENT_BUDGET, m.row()
            continue
        assert m.first_visit_bytes <= FULL_PAGE_BUDGET, m.row()
        if kind == "list":
            assert m.html_bytes <= LIST_HTML_BUDGET, m.row()


def test_responses_are_compressed(measured):
    for _, m in measured:
        if m.raw_bytes > 600:
            assert m.html_bytes < m.raw_bytes, m.row()


def test_query_counts_do_not_grow_with_rows(app, make, read):
    few = {m.label.split(" (")[0]: m.queries for _, m in _measure_all(app, make, rows=2)}
    # a second shop in the same database, with many more rows
    many = {m.label.split(" (")[0]: m.queries for _, m in _measure_all(app, make, rows=25)}
    assert few == many
    # The most is the console's dashboard: the login, its numbers and health facts (one query,
    # the inbox's open count among them), payment settings, invoice totals, failing email
    # domains, the latest estimates and the inbox's first open items.
    assert max(many.values()) <= 7, many


def test_static_files_are_hashed_and_cached_for_a_year(client):
    html = client.get("/login").get_data(as_text=True)
    from bench.page_weight import ASSET_RE

    assets = ASSET_RE.findall(html)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", asset


def test_contact_button_fragment_is_small(app, make):
    shop, admin, first, _ = _fill(app, make, rows=8)
    staff = app.test_client()
    staff.login_staff(admin.email, PASSWORD)
    contact = make.contact(first, name="Newcomer")
    token = staff.csrf_token()
    response = staff.post(f"/staff/contacts/{contact.id}/invite", data={"csrf_token": token},
                          headers={"HX-Request": "true", "Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert len(response.get_data()) <= FRAGMENT_BUDGET, len(response.get_data())
    with REPORT.open("a") as report:
        report.write(f"{'staff contacts panel frag (10)':<34} {200:>3} "
                     f"{len(response.get_data()):>7,}\n")


def test_request_form_fragments_are_small(app, make, read):
    """Every htmx answer of the request form and the threads stays under the fragment budget."""
    import re

    shop, admin, first, contact = _fill(app, make, rows=25)
    asset_id, request_id = _first_ids(app, first)
    portal = app.test_client()
    portal.login_portal(contact.email, PASSWORD)
    staff = app.test_client()
    staff.login_staff(admin.email, PASSWORD)
    headers = {"HX-Request": "true", "Accept-Encoding": "br"}
    page = portal.get("/requests/new").get_data(as_text=True)
    locations = re.findall(r'<option value="(\d+)"[^>]*>(Main depot|North yard)</option>', page)
    ids = {name: value for value, name in locations}
    answers = []

    def post(client, label, url, data, status=200):
        response = client.post_form(url, data, headers=headers)
        assert response.status_code == status, (label, response.status_code)
        assert len(response.get_data()) <= FRAGMENT_BUDGET, (label, len(response.get_data()))
        answers.append(f"{label:<34} {status:>3} {len(response.get_data()):>7,}")
        return response

    draft = "/requests/new/draft"
    post(portal, "request form: location -> assets", draft, {"location_id": ids["Main depot"]})
    post(portal, "request form: asset -> place", draft,
         {"location_id": ids["Main depot"], "asset": str(asset_id)})
    post(portal, "request form: date -> message", draft, {"desired_date": "2020-01-01"})
    post(portal, "request form: foreign id -> place", draft, {"location_id": "999999"}, 422)
    post(portal, "request form: not listed -> asset", draft, {"asset": "not_listed"})
    response = post(portal, "request form: description (204)", draft, {"description": "x"},
                    204)
    assert response.get_data() == b""
    post(portal, "portal comment thread frag", f"/requests/{request_id}/comments",
         {"body": "Any news?"})
    post(staff, "staff reply thread frag", f"/staff/requests/{request_id}/reply",
         {"body": "Tomorrow morning."})
    estimate_id, work_order_id = _first_documents(app, first)
    page = portal.get(f"/estimates/{estimate_id}").get_data(as_text=True)
    optional = re.findall(r'name="line" value="(\d+)"', page)
    assert len(optional) == 2
    post(portal, "estimate totals frag", f"/estimates/{estimate_id}/total",
         {"version": "1", "line": optional[0]})
    post(portal, "estimate comment thread frag (26)", f"/estimates/{estimate_id}/comments",
         {"body": "Thursday?"})
    post(staff, "estimate reply thread frag (27)", f"/staff/estimates/{estimate_id}/reply",
         {"body": "Thursday works."})
    page = portal.get(f"/work-orders/{work_order_id}").get_data(as_text=True)
    pending = re.findall(r'name="line" value="(\d+)"', page)
    post(portal, "work order totals frag", f"/work-orders/{work_order_id}/total",
         {"version": "1", "line": pending[0]})
    post(portal, "work order comment thread frag", f"/work-orders/{work_order_id}/comments",
         {"body": "Keys at the gate."})
    post(staff, "work order reply thread frag", f"/staff/work-orders/{work_order_id}/reply",
         {"body": "Got them."})
    with REPORT.open("a") as report:
        report.write("\n".join(answers) + "\n")
