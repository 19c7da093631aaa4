"""Every list page, status filter, search and both dashboards with 100,000 invoices, 100,000
assets and 20,000 estimates in one shop, against the demo data.

ARCHITECTURE.md: "With 100,000 invoices and 100,000 assets in one shop, list pages, filters,
searches and dashboards stay within 2x of their time on the demo data." `make bench-scale`
builds the demo on two fresh databases (SQLite files by default; with BENCH_DATABASE_URL, two
PostgreSQL databases named after it, "_demo" and "_scaled"), bulk-loads the rows into the second
(a quarter on the demo customer Acme, the rest on 1,000 others), writes the invoices' stored
balances with their one writer (invoice_balances.recompute), checks them (as `flask invoices
check` does), then times every page on both, alternating one request on each, so that the
machine's load changes both figures alike, and prints the medians with the ratio. It exits 1
when a page is over 2x or a stored balance differs.

Estimates are loaded and their pages timed only when the schema has an `estimate` table and the
app has the estimate routes (they arrive with issue 9); the rest works either way.

    .venv/bin/python bench/scale.py [--invoices 100000] [--assets 100000] [--estimates 20000]
                                    [--repeat 15] [--only SUBSTRING]
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

from sqlalchemy import inspect, insert, select, text  # noqa: E402

from tests.databases import empty_postgres  # noqa: E402

BUDGET = 2.0

# (who, label, url). {acme} is the demo customer, {invoice} its newest invoice, {depot} its
# first location; each search is one a person would type, selective and not.
PAGES = [
    ("portal", "portal / (dashboard)", "/"),
    ("portal", "portal /invoices", "/invoices"),
    *[("portal", f"portal /invoices?status={s}", f"/invoices?status={s}")
      for s in ("unpaid", "overdue", "processing", "paid", "void")],
    ("portal", "portal /invoices?page=3", "/invoices?page=3"),
    ("portal", "portal invoice page", "/invoices/{invoice}"),
    ("portal", "portal /assets", "/assets"),
    ("portal", "portal /assets?q=t-1 (2 units)", "/assets?q=t-1"),
    ("portal", "portal /assets?q=t-00 (many)", "/assets?q=t-00"),
    ("portal", "portal /assets?q=kenworth (make)", "/assets?q=kenworth"),
    ("portal", "portal /assets?q=cascadia (model)", "/assets?q=cascadia"),
    ("portal", "portal /assets?q=zz (none)", "/assets?q=zz"),
    ("portal", "portal /assets?location=", "/assets?location={depot}"),
    ("portal", "portal /assets?archived=1", "/assets?archived=1"),
    ("portal", "portal /requests", "/requests"),
    ("portal", "portal /locations", "/locations"),
    ("staff", "staff /staff/ (dashboard)", "/staff/"),
    ("staff", "staff /staff/invoices", "/staff/invoices"),
    *[("staff", f"staff /staff/invoices?status={s}", f"/staff/invoices?status={s}")
      for s in ("draft", "unpaid", "overdue", "processing", "paid", "void")],
    ("staff", "staff invoices of Acme", "/staff/invoices?customer_id={acme}"),
    ("staff", "staff invoices of Acme, overdue",
     "/staff/invoices?customer_id={acme}&status=overdue"),
    ("staff", "staff /staff/invoices?q=INV-0001", "/staff/invoices?q=INV-0001"),
    ("staff", "staff /staff/invoices?q=acme", "/staff/invoices?q=acme"),
    ("staff", "staff /staff/invoices?q=b-0001 (many)", "/staff/invoices?q=b-0001"),
    ("staff", "staff invoices q=fleet (many)", "/staff/invoices?q=fleet"),
    ("staff", "staff invoices q=zz (none)", "/staff/invoices?q=zz"),
    ("staff", "staff /staff/customers", "/staff/customers"),
    ("staff", "staff /staff/customers?q=acme", "/staff/customers?q=acme"),
    ("staff", "staff /staff/customers?q=fleet (many)", "/staff/customers?q=fleet"),
    ("staff", "staff /staff/customers?q=dana (contact)", "/staff/customers?q=dana"),
    ("staff", "staff customer page", "/staff/customers/{acme}"),
    ("staff", "staff customer assets", "/staff/customers/{acme}/assets"),
    ("staff", "staff customer assets ?q=t-1", "/staff/customers/{acme}/assets?q=t-1"),
    ("staff", "staff /staff/requests", "/staff/requests"),
    ("staff", "staff /staff/requests?status=closed", "/staff/requests?status=closed"),
    ("staff", "staff /staff/email-log", "/staff/email-log"),
]

# Pages of estimates and work orders (issue 9): timed when their endpoint exists.
ESTIMATE_PAGES = [
    ("estimates.index", "portal", "portal /estimates", "/estimates"),
    ("estimates.index", "portal", "portal /estimates?status=sent", "/estimates?status=sent"),
    ("estimates.index", "portal", "portal /estimates?status=expired",
     "/estimates?status=expired"),
    ("staff.estimates.index", "staff", "staff /staff/estimates", "/staff/estimates"),
    ("staff.estimates.index", "staff", "staff /staff/estimates?status=sent",
     "/staff/estimates?status=sent"),
    ("staff.estimates.index", "staff", "staff /staff/estimates?q=est-0001",
     "/staff/estimates?q=est-0001"),
    ("work_orders.index", "portal", "portal /work-orders", "/work-orders"),
    ("staff.work_orders.index", "staff", "staff /staff/work-orders", "/staff/work-orders"),
]


def build_app(url: str):
    from flask_migrate import upgrade

    from portal_app import create_app

    app = create_app({"TESTING": True, "PORTAL_ENV": "test", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "MAIL_SERVER": "",
                      "FILES_FOLDER": tempfile.mkdtemp(prefix="portal-files-")})
    with app.app_context():
        upgrade()
    return app


def pages(app) -> list[tuple[str, str, str]]:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    return PAGES + [(who, label, url) for endpoint, who, label, url in ESTIMATE_PAGES
                    if endpoint in endpoints]


def clients(app):
    portal, staff = app.test_client(), app.test_client()
    portal.post("/login", data={"email": "dana@acme-logistics.example",
                                "password": "demo-customer-pass"})
    staff.post("/staff/login", data={"email": "admin@demo-fleet.example",
                                     "password": "demo-admin-pass"})
    return {"portal": portal, "staff": staff}


def ids(app) -> dict[str, int]:
    from portal_app.extensions import db
    from portal_app.models import Customer, Invoice, Location

    with app.app_context():
        acme = db.session.scalar(select(Customer.id).where(Customer.name == "Acme Logistics"))
        return {"acme": acme,
                "invoice": db.session.scalar(select(Invoice.id).where(
                    Invoice.customer_id == acme, Invoice.state != "draft")
                    .order_by(Invoice.issued_on.desc(), Invoice.id.desc()).limit(1)),
                "depot": db.session.scalar(select(Location.id).where(
                    Location.customer_id == acme).order_by(Location.name).limit(1))}


def time_pages(demo, scaled, repeat: int, only: str | None) -> dict[str, tuple[float, float]]:
    """Median milliseconds per page on the demo and on the scaled database over `repeat`
    requests each, alternating (after two warm-ups each)."""
    sides = [(demo, clients(demo), ids(demo)), (scaled, clients(scaled), ids(scaled))]
    times = {}
    for role, label, url in pages(scaled):
        if only and only not in label:
            continue
        samples: list[list[float]] = [[], []]
        for side, (_, who, values) in enumerate(sides):
            for _ in range(2):
                response = who[role].get(url.format(**values))
                assert response.status_code == 200, (label, side, response.status_code)
        for _ in range(repeat):
            for side, (_, who, values) in enumerate(sides):
                target = url.format(**values)
                start = time.perf_counter()
                who[role].get(target).get_data()
                samples[side].append((time.perf_counter() - start) * 1000)
        times[label] = (statistics.median(samples[0]), statistics.median(samples[1]))
    return times


def load_rows(app, invoices: int, assets: int, estimates: int) -> dict[str, int]:
    """Bulk rows in the demo shop: a quarter on the demo customer, the rest on 1,000 others.
    Returns how many of each were added."""
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
    from portal_app.models.base import search_key
    from portal_app.services.invoice_balances import recompute

    rng = random.Random(7)
    today = date.today()
    added = {}
    with app.app_context():
        shop_id = db.session.scalar(select(Shop.id).where(Shop.slug == "demo-fleet"))
        acme_id = db.session.scalar(select(Customer.id).where(Customer.name == "Acme Logistics"))
        db.session.execute(insert(Customer), [
            {"shop_id": shop_id, "name": f"Fleet customer {n:04d}",
             "name_key": search_key(f"Fleet customer {n:04d}"),
             "account_number": f"F-{n:05d}", "account_number_key": search_key(f"F-{n:05d}")}
            for n in range(1000)])
        others = db.session.scalars(select(Customer.id).where(
            Customer.shop_id == shop_id, Customer.name.like("Fleet customer %"))).all()

        def owner(n: int) -> int:
            return acme_id if n % 4 == 0 else others[n % len(others)]

        first = (db.session.scalar(select(db.func.max(Invoice.id))) or 0) + 1
        for start in range(0, invoices, 10_000):
            block = range(start, min(start + 10_000, invoices))
            db.session.execute(insert(Invoice), [{
                "shop_id": shop_id, "customer_id": owner(n), "number": f"B-{n:06d}",
                "number_key": search_key(f"B-{n:06d}"),
                "state": "void" if n % 50 == 0 else "draft" if n % 47 == 0 else "open",
                "issued_on": today - timedelta(days=n % 60),
                "due_on": today - timedelta(days=n % 60) + timedelta(days=30),
            } for n in block])
            totals = {}
            lines = []
            for n in block:
                for k in range(1 + n % 2):
                    cents = rng.randrange(2000, 90000)
                    totals[n] = totals.get(n, 0) + (1 + k) * cents
                    lines.append({"invoice_id": first + n, "position": k,
                                  "description": "Service", "quantity": 1 + k,
                                  "unit_price_cents": cents})
            db.session.execute(insert(InvoiceLine), lines)
            # A third have a payment: in full by check (paid), part (still unpaid), a bank
            # payment in flight (processing), a refunded card payment, a failed ACH attempt.
            payments = []
            for n in block:
                kind = n % 15
                base = {"shop_id": shop_id, "invoice_id": first + n}
                if kind == 0:
                    payments.append({**base, "amount_cents": totals[n], "method": "check",
                                     "status": "succeeded"})
                elif kind == 3:
                    payments.append({**base, "amount_cents": 1000, "method": "cash",
                                     "status": "succeeded"})
                elif kind == 6:
                    payments.append({**base, "amount_cents": totals[n], "method": "ach",
                                     "status": "processing"})
                elif kind == 9:
                    payments.append({**base, "amount_cents": totals[n], "method": "card",
                                     "status": "succeeded", "refunded_cents": 500})
                elif kind == 12:
                    payments.append({**base, "amount_cents": totals[n], "method": "ach",
                                     "status": "failed", "failure_code": "insufficient_funds"})
            db.session.execute(insert(Payment), payments)
            # The one writer fills in the stored balances, as every code path does.
            recompute(range(first + block.start, first + block.stop))
            db.session.commit()
        added["invoices"] = invoices
        makes = [("Freightliner", "Cascadia"), ("Kenworth", "T680"), ("Isuzu", "NPR-HD"),
                 ("Peterbilt", "579"), ("Toyota", "8FGU25")]
        for start in range(0, assets, 20_000):
            db.session.execute(insert(Asset), [{
                "shop_id": shop_id, "customer_id": owner(n), "unit_number": f"T-{n:06d}",
                "unit_number_key": unit_number_key(f"T-{n:06d}"),
                "make": makes[n % 5][0], "model": makes[n % 5][1],
                "make_key": search_key(makes[n % 5][0]), "model_key": search_key(makes[n % 5][1]),
                "vin_serial": f"1FUJGLDR{n:09d}", "notes": "", "archived": n % 40 == 0,
            } for n in range(start, min(start + 20_000, assets))])
        db.session.commit()
        added["assets"] = assets
        if estimates and inspect(db.engine).has_table("estimate"):
            added["estimates"] = load_estimates(db, shop_id, owner, estimates, today)
        analyze(db)
    return added


def load_estimates(db, shop_id: int, owner, count: int, today: date) -> int:
    """Estimates (issue 9), when the schema has them: drafts, sent (some past valid-until),
    approved, declined, each with two lines."""
    from portal_app import models

    estimate, line = getattr(models, "Estimate", None), getattr(models, "EstimateLine", None)
    if estimate is None:
        return 0
    statuses = ["draft", "sent", "sent", "approved", "declined"]
    first = (db.session.scalar(select(db.func.max(estimate.id))) or 0) + 1
    keyed = hasattr(estimate, "number_key")  # the search key, where the model has one
    db.session.execute(insert(estimate), [{
        **({"number_key": f"est-b{n:06d}"} if keyed else {}),
        "shop_id": shop_id, "customer_id": owner(n), "number": f"EST-B{n:06d}",
        "status": statuses[n % 5], "version": 0 if n % 5 == 0 else 1,
        "valid_until": today + timedelta(days=(n % 40) - 10), "notes": "",
    } for n in range(count)])
    if line is not None:
        db.session.execute(insert(line), [{
            "estimate_id": first + n, "position": k, "description": "Work",
            "quantity": 1, "unit_price_cents": 10000 * (k + 1),
        } for n in range(count) for k in range(2)])
    db.session.commit()
    return count


def analyze(db) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` would keep."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def check_balances(app) -> tuple[int, int]:
    """(invoices checked, differences): what `flask --app wsgi invoices check` reports."""
    from portal_app.extensions import db
    from portal_app.models import Invoice
    from portal_app.services.invoice_balances import differences

    with app.app_context():
        checked = db.session.scalar(select(db.func.count()).select_from(Invoice))
        wrong = sum(1 for _ in differences())
        db.session.remove()
    return checked, wrong


def database(kind: str) -> str:
    base = os.environ.get("BENCH_DATABASE_URL")
    if base:
        from sqlalchemy.engine import make_url

        parsed = make_url(base)
        return empty_postgres(parsed.set(database=f"{parsed.database}_{kind}")
                              .render_as_string(hide_password=False))
    return "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix=f"portal-{kind}-"),
                                       f"{kind}.sqlite3")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--estimates", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--only", help="time only the pages whose label contains this")
    args = parser.parse_args()

    from portal_app.extensions import db
    from portal_app.services.demo import load_demo

    apps = {}
    for kind in ("demo", "scaled"):
        apps[kind] = build_app(database(kind))
        with apps[kind].app_context():
            load_demo()
            db.session.commit()
            analyze(db)
    demo_checked = check_balances(apps["demo"])
    started = time.perf_counter()
    added = load_rows(apps["scaled"], args.invoices, args.assets, args.estimates)
    loaded = time.perf_counter() - started
    checked = check_balances(apps["scaled"])
    times = time_pages(apps["demo"], apps["scaled"], args.repeat, args.only)
    with apps["scaled"].app_context():
        dialect = db.engine.dialect.name
    rows = ", ".join(f"+{n:,} {kind}" for kind, n in added.items())
    print(f"{dialect}: {rows} (loaded in {loaded:.1f} s); median of {args.repeat} requests "
          "each, alternating demo and scaled (in-process test client)")
    print(f"invoices check: demo {demo_checked[0]} checked, {demo_checked[1]} differ; "
          f"scaled {checked[0]:,} checked, {checked[1]} differ")
    print(f"{'page':<44} {'demo ms':>8} {'scaled ms':>9} {'ratio':>6}")
    worst = 0.0
    for label, (demo_ms, scaled_ms) in times.items():
        ratio = scaled_ms / demo_ms
        worst = max(worst, ratio)
        flag = "" if ratio <= BUDGET else f"  over {BUDGET:g}x"
        print(f"{label:<44} {demo_ms:>8.2f} {scaled_ms:>9.2f} {ratio:>6.2f}{flag}")
    print(f"worst ratio {worst:.2f} (budget {BUDGET:g}x)")
    return 0 if worst <= BUDGET and not checked[1] and not demo_checked[1] else 1


if __name__ == "__main__":
    sys.exit(main())
