"""List pages with 100,000 invoices and 100,000 assets in one shop, against the demo data.

ARCHITECTURE.md: "With 100,000 invoices and 100,000 assets in one shop, list pages stay within
2x of their time on the demo data." `make bench-scale` builds the demo on a fresh database
(SQLite by default, BENCH_DATABASE_URL for PostgreSQL), times every list page, bulk-loads the
rows, times them again and prints both with the ratio. It exits 1 when a page is over 2x.

    .venv/bin/python bench/scale.py [--invoices 100000] [--assets 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from tests.databases import empty_postgres  # noqa: E402

PAGES = [  # (who, label, url); {acme} is the demo customer's id
    ("portal", "portal /invoices", "/invoices"),
    ("portal", "portal /invoices?status=overdue", "/invoices?status=overdue"),
    ("portal", "portal /assets", "/assets"),
    ("portal", "portal /assets?q=t-1", "/assets?q=t-1"),
    ("portal", "portal / (dashboard)", "/"),
    ("staff", "staff /staff/invoices", "/staff/invoices"),
    ("staff", "staff /staff/invoices?status=paid", "/staff/invoices?status=paid"),
    ("staff", "staff /staff/invoices?q=INV-0001", "/staff/invoices?q=INV-0001"),
    ("staff", "staff customer assets", "/staff/customers/{acme}/assets"),
    ("staff", "staff /staff/ (dashboard)", "/staff/"),
]


def build_app(url: str):
    from flask_migrate import upgrade

    from portal_app import create_app

    app = create_app({"TESTING": True, "PORTAL_ENV": "test", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "MAIL_SERVER": ""})
    with app.app_context():
        upgrade()
    return app


def clients(app):
    portal, staff = app.test_client(), app.test_client()
    portal.post("/login", data={"email": "dana@acme-logistics.example",
                                "password": "demo-customer-pass"})
    staff.post("/staff/login", data={"email": "admin@demo-fleet.example",
                                     "password": "demo-admin-pass"})
    return {"portal": portal, "staff": staff}


def time_pages(app, acme_id: int, repeat: int) -> dict[str, float]:
    """Median milliseconds per page over `repeat` requests (after one warm-up)."""
    who = clients(app)
    times = {}
    for role, label, url in PAGES:
        url = url.format(acme=acme_id)
        client = who[role]
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(url).get_data()
            samples.append((time.perf_counter() - start) * 1000)
        times[label] = statistics.median(samples)
    return times


def load_rows(app, invoices: int, assets: int) -> None:
    """Bulk rows in the demo shop: a quarter on the demo customer, the rest on 1,000 others."""
    from portal_app.extensions import db
    from portal_app.models import (
        Asset,
        Customer,
        Invoice,
        InvoiceLine,
        Payment,
        Shop,
        unit_number_key,
    )

    rng = random.Random(7)
    today = date.today()
    with app.app_context():
        shop_id = db.session.scalar(select(Shop.id).where(Shop.slug == "demo-fleet"))
        acme_id = db.session.scalar(select(Customer.id).where(Customer.name == "Acme Logistics"))
        db.session.execute(insert(Customer), [
            {"shop_id": shop_id, "name": f"Fleet customer {n:04d}"} for n in range(1000)])
        others = db.session.scalars(select(Customer.id).where(
            Customer.shop_id == shop_id, Customer.name.like("Fleet customer %"))).all()

        def owner(n: int) -> int:
            return acme_id if n % 4 == 0 else others[n % len(others)]

        first = (db.session.scalar(select(db.func.max(Invoice.id))) or 0) + 1
        db.session.execute(insert(Invoice), [{
            "shop_id": shop_id, "customer_id": owner(n), "number": f"B-{n:06d}",
            "state": "void" if n % 50 == 0 else "open",
            "issued_on": today - timedelta(days=n % 400),
            "due_on": today - timedelta(days=n % 400) + timedelta(days=30),
        } for n in range(invoices)])
        db.session.execute(insert(InvoiceLine), [{
            "invoice_id": first + n, "position": k, "description": "Service",
            "quantity": 1 + k, "unit_price_cents": rng.randrange(2000, 90000),
        } for n in range(invoices) for k in range(1 + n % 2)])
        db.session.execute(insert(Payment), [{
            "shop_id": shop_id, "invoice_id": first + n, "amount_cents": 1000,
            "method": "ach" if n % 9 == 0 else "check",
            "status": "processing" if n % 9 == 0 else "succeeded",
        } for n in range(invoices) if n % 3 == 0])
        db.session.execute(insert(Asset), [{
            "shop_id": shop_id, "customer_id": owner(n), "unit_number": f"T-{n:06d}",
            "unit_number_key": unit_number_key(f"T-{n:06d}"), "make": "Freightliner",
            "model": "Cascadia", "vin_serial": "", "notes": "", "archived": False,
        } for n in range(assets)])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    url = empty_postgres(url) if url else "sqlite:///" + os.path.join(
        tempfile.mkdtemp(prefix="portal-scale-"), "scale.sqlite3")
    app = build_app(url)

    from portal_app.extensions import db
    from portal_app.models import Customer
    from portal_app.services.demo import load_demo

    with app.app_context():
        load_demo()
        db.session.commit()
        acme_id = db.session.scalar(select(Customer.id).where(Customer.name == "Acme Logistics"))
    before = time_pages(app, acme_id, args.repeat)
    started = time.perf_counter()
    load_rows(app, args.invoices, args.assets)
    loaded = time.perf_counter() - started
    after = time_pages(app, acme_id, args.repeat)
    dialect = url.split(":", 1)[0]
    print(f"{dialect}: +{args.invoices:,} invoices, +{args.assets:,} assets "
          f"(loaded in {loaded:.1f} s); median of {args.repeat} requests")
    print(f"{'page':<38} {'demo ms':>8} {'scaled ms':>9} {'ratio':>6}")
    worst = 0.0
    for label, demo_ms in before.items():
        ratio = after[label] / demo_ms
        worst = max(worst, ratio)
        flag = "" if ratio <= 2 else "  over 2x"
        print(f"{label:<38} {demo_ms:>8.1f} {after[label]:>9.1f} {ratio:>6.2f}{flag}")
    return 0 if worst <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
