"""Page weight and SQL query count of every page and fragment, as a browser would fetch them.

`make bench` runs this on the demo data (plus enough rows to fill every list) and prints a table;
tests/test_budgets.py uses the same measurement to hold pages to the budgets in ARCHITECTURE.md.
"""

from __future__ import annotations

import re
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event

KB = 1024
FULL_PAGE_BUDGET = 30 * KB  # HTML + CSS + JS, compressed, on a first visit
LIST_HTML_BUDGET = 12 * KB  # HTML of a list page, compressed
FRAGMENT_BUDGET = 4 * KB  # an htmx fragment, compressed

ASSET_RE = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass
class Measurement:
    label: str
    url: str
    status: int
    html_bytes: int  # compressed, as sent
    raw_bytes: int
    queries: int
    first_visit_bytes: int | None = None  # HTML + its CSS and JS, compressed

    def row(self) -> str:
        first = f"{self.first_visit_bytes:>8,}" if self.first_visit_bytes is not None else " " * 8
        return (f"{self.label:<34} {self.status:>3} {self.html_bytes:>7,} {self.raw_bytes:>8,} "
                f"{first} {self.queries:>3}")


HEADER = f"{'page':<34} {'st':>3} {'html br':>7} {'html raw':>8} {'1st visit':>8} {'sql':>3}"


@contextmanager
def count_queries(app):
    from portal_app.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def measure(app, client, label: str, url: str, *, fragment: bool = False) -> Measurement:
    """Fetch url as a browser with br support would (as htmx when fragment=True)."""
    headers = {"Accept-Encoding": "br, gzip"}
    if fragment:
        headers["HX-Request"] = "true"
    with count_queries(app) as statements:
        response = client.get(url, headers=headers)
    body = response.get_data()
    raw = _decoded_length(response, body)
    result = Measurement(label, url, response.status_code, len(body), raw, len(statements))
    if not fragment:
        html = _decode(response, body).decode()
        assets = 0
        for asset in sorted(set(ASSET_RE.findall(html))):
            asset_response = client.get(asset, headers={"Accept-Encoding": "br, gzip"})
            assets += len(asset_response.get_data())
        result.first_visit_bytes = len(body) + assets
    return result


def _decode(response, body: bytes) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    if encoding == "gzip":
        import gzip

        return gzip.decompress(body)
    return body


def _decoded_length(response, body: bytes) -> int:
    return len(_decode(response, body))


def _ten_photos(customer) -> int:
    """Ten phone photos (noisy, so their thumbnails come close to 20 KB) on the customer's unit
    T-101, stored as uploads are; return the asset's id."""
    import hashlib

    from sqlalchemy import select

    from portal_app.extensions import db
    from portal_app.files.processing import prepare
    from portal_app.models import Asset, Contact
    from portal_app.services import attachments
    from tests.uploads import photo

    asset = db.session.scalar(select(Asset).where(Asset.customer_id == customer.id,
                                                  Asset.unit_number == "T-101"))
    dana = db.session.scalar(select(Contact).where(Contact.customer_id == customer.id,
                                                   Contact.portal_user_id.is_not(None)))
    for n in range(attachments.MAX_PER_ITEM):
        data = photo(seed=100 + n)
        attachments.attach([attachments.Ready(f"IMG_{4100 + n}.jpg",
                                              hashlib.sha256(data).hexdigest(),
                                              prepare(data, "photo.jpg"))], asset, by=dana)
    return asset.id


def main() -> int:
    """Measure the demo (with filled lists) and print the table."""
    from flask_migrate import upgrade

    from portal_app import create_app
    from portal_app.extensions import db
    from portal_app.models import Contact, Customer, Estimate, OutboundEmail, Shop, WorkOrder
    from portal_app.services import demo

    folder = tempfile.mkdtemp(prefix="portal-bench-")
    app = create_app({"PORTAL_ENV": "development", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                      "FILES_FOLDER": str(Path(folder) / "files"), "FILES_S3_BUCKET": None,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        shop = demo.load_demo()
        for n in range(40):
            db.session.add(Customer(shop_id=shop.id, name=f"Fleet customer {n:03d}",
                                    account_number=f"C-{2000 + n}"))
        acme = db.session.query(Customer).filter_by(name="Acme Logistics").one()
        for n in range(6):
            db.session.add(Contact(shop_id=shop.id, customer=acme, name=f"Driver {n}",
                                   email=f"driver{n}@acme-logistics.example"))
        for n in range(30):
            db.session.add(OutboundEmail(shop_id=shop.id, kind="invitation",
                                         recipient=f"person{n}@example.com",
                                         recipient_domain="example.com",
                                         subject="Demo Fleet Services invites you",
                                         body_text="Hello", status="sent", attempts=1))
        photographed = _ten_photos(acme)
        db.session.commit()
        acme_id = acme.id
        shop_slug = db.session.query(Shop.slug).scalar()
        estimate_id = db.session.query(Estimate.id).filter_by(number="EST-0001").scalar()
        work_order_id = db.session.query(WorkOrder.id).filter_by(number="WO-0001").scalar()

    client = app.test_client()
    rows = [measure(app, client, "portal /login", "/login"),
            measure(app, client, "portal /forgot-password", f"/forgot-password?shop={shop_slug}")]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "dana@acme-logistics.example",
                                "password": "demo-customer-pass", "csrf_token": token})
    rows += [measure(app, client, "portal / (dashboard)", "/"),
             measure(app, client, "portal assets", "/assets"),
             measure(app, client, "portal assets search frag", "/assets?q=t-1", fragment=True),
             measure(app, client, "portal request form", "/requests/new"),
             measure(app, client, "portal requests", "/requests"),
             measure(app, client, "portal estimates", "/estimates"),
             measure(app, client, "portal estimates filter frag", "/estimates?status=sent",
                     fragment=True),
             measure(app, client, "portal estimate (waiting)", f"/estimates/{estimate_id}"),
             measure(app, client, "portal estimate print", f"/estimates/{estimate_id}/print"),
             measure(app, client, "portal work orders", "/work-orders"),
             measure(app, client, "portal work order (approval)",
                     f"/work-orders/{work_order_id}"),
             measure(app, client, "portal asset (10 photos)", f"/assets/{photographed}")]
    staff = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      staff.get("/staff/login").get_data(as_text=True)).group(1)
    staff.post("/staff/login", data={"email": "admin@demo-fleet.example",
                                     "password": "demo-admin-pass", "csrf_token": token})
    rows += [
        measure(app, staff, "staff /staff/", "/staff/"),
        measure(app, staff, "staff customers (20 rows)", "/staff/customers"),
        measure(app, staff, "staff customers search frag", "/staff/customers?q=fleet",
                fragment=True),
        measure(app, staff, "staff customer (8 contacts)", f"/staff/customers/{acme_id}"),
        measure(app, staff, "staff email log (25 rows)", "/staff/email-log"),
        measure(app, staff, "staff request inbox", "/staff/requests"),
        measure(app, staff, "staff estimates", "/staff/estimates"),
        measure(app, staff, "staff estimates filter frag", "/staff/estimates?status=draft",
                fragment=True),
        measure(app, staff, "staff estimate", f"/staff/estimates/{estimate_id}"),
        measure(app, staff, "staff estimate edit", f"/staff/estimates/{estimate_id}/edit"),
        measure(app, staff, "staff work orders", "/staff/work-orders"),
        measure(app, staff, "staff work order", f"/staff/work-orders/{work_order_id}"),
        measure(app, staff, "staff asset (10 photos)", f"/staff/assets/{photographed}"),
    ]
    print(HEADER)
    for row in rows:
        print(row.row())
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
