"""A bounded load test: 50 simulated people for 60 s against gunicorn on 127.0.0.1.

SECURITY.md row 38. `make bench-load` (SQLite in WAL mode; BENCH_DATABASE_URL=postgresql://...
for PostgreSQL, the database named after it + "_load"):

1. a fresh database with the demo and 20 more customers (each with a logged-in contact, units,
   open invoices and requests) and 4 more staff;
2. gunicorn with gunicorn.conf.py and 4 workers, PORTAL_ENV=production, Redis rate limits
   (RATELIMIT_STORAGE_URI, default redis://127.0.0.1:6379/8, emptied first);
3. every account logs in once (as a person does; the login limits are real) and its cookie
   is shared by the simulated users given that account (bench/locustfile.py);
4. locust headless, 50 users (spawned 10 a second), 60 s: lists, details, request drafts and
   submits, comments, staff marking invoices paid and replying, approvals where estimates exist;
5. afterwards: every answer was expected (no failure, no 5xx, no "database is locked" in the
   server's log) and the rows in the database are the successful writes locust recorded
   (requests, comments, payments, approvals), and `invoices check` finds every stored balance
   right after all those concurrent payments.

It prints req/s and p95 and exits 1 on any difference.

    .venv/bin/python bench/load.py [--users 50] [--seconds 60] [--workers 4]
    (LOAD_WAIT="0.05,0.3": the seconds a simulated person waits between two requests)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, inspect, select  # noqa: E402

from tests.databases import empty_postgres  # noqa: E402

PASSWORD = "load-test-password-7351"
CUSTOMERS = 20
STAFF = 4
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(folder: Path) -> str:
    base = os.environ.get("BENCH_DATABASE_URL")
    if base:
        from sqlalchemy.engine import make_url

        parsed = make_url(base)
        return empty_postgres(parsed.set(database=f"{parsed.database}_load")
                              .render_as_string(hide_password=False))
    return f"sqlite:///{folder / 'load.sqlite3'}"


def prepare(url: str) -> dict:
    """The demo, plus the load test's customers and staff; returns the accounts."""
    from flask_migrate import upgrade

    from portal_app import create_app
    from portal_app.extensions import db
    from portal_app.models import (
        Asset,
        Contact,
        Customer,
        Invoice,
        InvoiceLine,
        Location,
        PortalUser,
        ServiceRequest,
        Shop,
        StaffUser,
        unit_number_key,
        utcnow,
    )
    from portal_app.services.demo import load_demo
    from portal_app.services.invoice_balances import recompute
    from portal_app.services.passwords import hash_password

    app = create_app({"TESTING": True, "PORTAL_ENV": "test", "SECRET_KEY": "prepare",
                      "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "FILES_FOLDER": tempfile.mkdtemp(prefix="portal-files-")})
    accounts = {"customer": [], "staff": []}
    with app.app_context():
        upgrade()
        shop = load_demo()
        db.session.flush()
        hashed = hash_password(PASSWORD)
        now = utcnow()
        invoices, requests = [], []
        for n in range(CUSTOMERS):
            customer = Customer(shop_id=shop.id, name=f"Load customer {n:02d}",
                                account_number=f"L-{n:03d}")
            db.session.add(customer)
            db.session.flush()
            site = Location(shop_id=shop.id, customer_id=customer.id, name="Yard",
                            address=f"{n} Load Street")
            login = PortalUser(email=f"load{n:02d}@customer.example", password_hash=hashed,
                               password_changed_at=now)
            contact = Contact(shop_id=shop.id, customer_id=customer.id, name=f"Load Person {n}",
                              email=login.email, is_billing=True, portal_user=login,
                              invited_at=now, activated_at=now)
            db.session.add_all([site, login, contact])
            db.session.flush()
            units = [Asset(shop_id=shop.id, customer_id=customer.id, location_id=site.id,
                           unit_number=f"T-{n:02d}{k}", unit_number_key=unit_number_key(
                               f"T-{n:02d}{k}"), make=("Kenworth", "Freightliner")[k % 2],
                           model="T680") for k in range(3)]
            bills = [Invoice(shop_id=shop.id, customer_id=customer.id, state="open",
                             number=f"LOAD-{n:02d}-{k}", issued_on=now.date(),
                             due_on=now.date() + timedelta(days=30 - 20 * k),
                             lines=[InvoiceLine(position=0, description="Fleet service",
                                                quantity=1, unit_price_cents=500000)])
                     for k in range(3)]
            db.session.add_all(units + bills)
            db.session.flush()
            asks = [ServiceRequest(shop_id=shop.id, customer_id=customer.id,
                                   contact_id=contact.id, location_id=site.id,
                                   asset_id=units[k].id, description="Check the brakes.")
                    for k in range(2)]
            db.session.add_all(asks)
            db.session.flush()
            invoices += [bill.id for bill in bills]
            requests += [ask.id for ask in asks]
            accounts["customer"].append({
                "email": contact.email, "name": contact.name, "location": site.id,
                "assets": [unit.id for unit in units], "invoices": [b.id for b in bills],
                "requests": [ask.id for ask in asks]})
        recompute(invoices)  # the stored balances, by their one writer
        db.session.commit()
        send_estimates(db, shop, accounts["customer"])
        for n in range(STAFF):
            staff = StaffUser(shop_id=shop.id, email=f"loadstaff{n}@demo-fleet.example",
                              name=f"Load Staff {n}", role="staff", password_hash=hashed)
            db.session.add(staff)
            accounts["staff"].append({"email": staff.email, "invoices": invoices,
                                      "requests": requests})
        db.session.commit()
        dana = db.session.scalar(select(Contact).where(
            Contact.email == "dana@acme-logistics.example"))
        estimates = sent_estimates(db, dana.customer_id)
        if estimates:  # the demo customer approves hers too (issue 9's estimates)
            accounts["customer"].append({
                "email": dana.email, "password": "demo-customer-pass", "estimates": estimates,
                "name": dana.name,
                "location": db.session.scalar(select(Location.id).where(
                    Location.customer_id == dana.customer_id).limit(1)),
                "assets": db.session.scalars(select(Asset.id).where(
                    Asset.customer_id == dana.customer_id)).all(),
                "invoices": db.session.scalars(select(Invoice.id).where(
                    Invoice.customer_id == dana.customer_id, Invoice.state != "draft")).all(),
                "requests": db.session.scalars(select(ServiceRequest.id).where(
                    ServiceRequest.customer_id == dana.customer_id)).all()})
        assert db.session.scalar(select(func.count()).select_from(Shop)) == 1
        db.session.remove()
        db.engine.dispose()
    return accounts


def send_estimates(db, shop, customers: list[dict], each: int = 6) -> None:
    """Estimates waiting for each load customer's approval, where the app has estimates (issue
    9): made and sent by the shop's administrator through the estimates service."""
    try:
        from portal_app.services import estimates
    except ImportError:
        return
    from portal_app.models import Contact, StaffUser

    admin = db.session.scalar(select(StaffUser).where(StaffUser.shop_id == shop.id,
                                                      StaffUser.role == "admin"))
    for person in customers:
        customer_id = db.session.scalar(select(Contact.customer_id).where(
            Contact.email == person["email"]))
        person["estimates"] = []
        for n in range(each):
            estimate = estimates.create_draft(shop.id, {
                "customer_id": customer_id, "asset_id": person["assets"][n % 3],
                "location_id": person["location"],
                "valid_until": estimates.default_valid_until(), "notes": "Load test"},
                [{"description": "Brake job", "quantity": 1, "unit_price_cents": 48000,
                  "optional": False}], None)
            estimates.send(estimate, admin)
            person["estimates"].append(estimate.id)
        db.session.commit()


def sent_estimates(db, customer_id: int) -> list[int]:
    """Ids of the customer's estimates waiting for approval, when the app has estimates."""
    from portal_app import models

    estimate = getattr(models, "Estimate", None)
    if estimate is None or not inspect(db.engine).has_table("estimate"):
        return []
    return db.session.scalars(select(estimate.id).where(
        estimate.customer_id == customer_id, estimate.status == "sent")).all()


def counts(url: str) -> dict[str, int]:
    from portal_app import models
    from portal_app.extensions import db
    from portal_app.models import Comment, Payment, ServiceRequest

    app = _reader(url)
    tables = {"requests": ServiceRequest, "comments": Comment, "payments": Payment}
    approval = getattr(models, "Approval", None)
    with app.app_context():
        if approval is not None and inspect(db.engine).has_table("approval"):
            tables["approvals"] = approval
        found = {kind: db.session.scalar(select(func.count()).select_from(model))
                 for kind, model in tables.items()}
        db.session.remove()
        db.engine.dispose()
    return found


def _reader(url: str):
    from portal_app import create_app

    return create_app({"TESTING": True, "PORTAL_ENV": "test", "SECRET_KEY": "read",
                       "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})


def serve(url: str, port: int, workers: int, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": os.urandom(32).hex(),
           "DATABASE_URL": url, "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
           "PORTAL_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
           "RATELIMIT_STORAGE_URI": os.environ.get("LOAD_RATELIMIT_STORAGE_URI",
                                                   "redis://127.0.0.1:6379/8"),
           "MAIL_SERVER": "", "FILES_FOLDER": str(folder / "files")}
    log = open(folder / "gunicorn.log", "w")
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=ROOT,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz:\n{(folder / 'gunicorn.log').read_text()}")


def log_in(base: str, accounts: dict) -> None:
    """Every account logs in once; its cookies and CSRF token are what its users share."""
    import requests

    for kind, people in accounts.items():
        for person in people:
            web = requests.Session()
            login = "/login" if kind == "customer" else "/staff/login"
            token = CSRF.search(web.get(base + login).text).group(1)
            answer = web.post(base + login, allow_redirects=False, data={
                "email": person["email"], "password": person.get("password", PASSWORD),
                "csrf_token": token})
            assert answer.status_code == 303, (person["email"], answer.status_code)
            page = web.get(base + ("/requests/new" if kind == "customer" else "/staff/"))
            person["csrf"] = CSRF.search(page.text).group(1)
            person["cookies"] = web.cookies.get_dict()


def redis_empty(uri: str) -> None:
    import redis

    redis.Redis.from_url(uri).flushdb()  # this benchmark's own Redis database only


def summary(prefix: Path) -> dict:
    with open(f"{prefix}_stats.csv") as stats:
        rows = list(csv.DictReader(stats))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return {"requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
            "rps": float(total["Requests/s"]), "p95": float(total["95%"]),
            "median": float(total["50%"]), "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="portal-load-"))
    url = database_url(folder)
    accounts = prepare(url)
    redis_uri = os.environ.get("LOAD_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/8")
    redis_empty(redis_uri)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(url, port, args.workers, folder)
    try:
        log_in(base, accounts)
        (folder / "accounts.json").write_text(json.dumps(accounts))
        before = counts(url)
        started = time.monotonic()
        locust = subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", "10", "-t", f"{args.seconds}s", "--host", base,
             "--only-summary", "--csv", str(folder / "load"), "--stop-timeout", "10",
             "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "LOAD_ACCOUNTS": str(folder / "accounts.json"),
                           "LOAD_RESULTS": str(folder / "writes.json")},
            capture_output=True, text=True)
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)  # gunicorn finishes what is in flight and exits
        server.wait(timeout=60)
    after = counts(url)
    writes = json.loads((folder / "writes.json").read_text())
    stats = summary(folder / "load")
    log = (folder / "gunicorn.log").read_text()
    statuses = re.findall(r'" (\d{3}) (?:\d+|-) \d+ms', log)
    fives = sum(1 for status in statuses if status.startswith("5"))
    problems = []
    if stats["failures"]:
        problems.append(f"{stats['failures']} failed requests (locust)")
    if fives:
        problems.append(f"{fives} responses 5xx (gunicorn access log)")
    for marker in ("database is locked", "Traceback", "deadlock detected"):
        if marker in log:
            problems.append(f"{marker!r} in the server's log")
    # Rows in the database are the successful writes locust recorded.
    recorded = {"requests": len(set(writes.get("requests", []))),
                "comments": len(writes.get("comments", [])),
                "payments": len(writes.get("payments", []))}
    if "approvals" in after:
        recorded["approvals"] = len(writes.get("approvals", []))
    rows = {kind: after[kind] - before[kind] for kind in recorded}
    for kind in recorded:
        if rows[kind] != recorded[kind]:
            problems.append(f"{kind}: {rows[kind]} new rows, {recorded[kind]} successful "
                            "writes recorded")
    checked, wrong = balances_check(url)
    if wrong:
        problems.append(f"invoices check: {wrong} of {checked} stored balances differ")

    app = _reader(url)
    with app.app_context():
        from portal_app.extensions import db

        dialect = db.engine.dialect.name
        db.engine.dispose()
    print(f"{dialect}: {args.users} users, {args.seconds} s, gunicorn {args.workers} workers, "
          f"Redis rate limits ({redis_uri}); locust ran {elapsed:.0f} s")
    print(f"requests {stats['requests']:,}  failures {stats['failures']}  5xx {fives}  "
          f"req/s {stats['rps']:.1f}  median {stats['median']:.0f} ms  p95 {stats['p95']:.0f} ms")
    for kind in recorded:
        print(f"  {kind:<10} successful writes {recorded[kind]:>5}   new rows {rows[kind]:>5}")
    print(f"  draft saves {len(writes.get('draft_saves', []))}, submits answered 'changed in "
          f"another tab' {len(writes.get('submits_changed_elsewhere', []))}")
    print(f"  invoices check: {checked} checked, {wrong} differ")
    print(f"{'page':<44} {'reqs':>6} {'fail':>5} {'med':>5} {'p95':>5}")
    for row in stats["rows"]:
        if row["Name"] != "Aggregated":
            print(f"{row['Type'] + ' ' + row['Name']:<44} {row['Request Count']:>6} "
                  f"{row['Failure Count']:>5} {row['50%']:>5} {row['95%']:>5}")
    if locust.returncode not in (0, 1):
        problems.append(f"locust exited {locust.returncode}: {locust.stderr[-2000:]}")
    if stats["failures"]:
        print(locust.stdout[-4000:])
    print("OK: 0 errors, 0 lost writes" if not problems else "PROBLEMS:\n  " +
          "\n  ".join(problems))
    print(f"(server log, accounts and CSV in {folder})")
    return 1 if problems else 0


def balances_check(url: str) -> tuple[int, int]:
    from portal_app.extensions import db
    from portal_app.models import Invoice
    from portal_app.services.invoice_balances import differences, total_differences

    app = _reader(url)
    with app.app_context():
        checked = db.session.scalar(select(func.count()).select_from(Invoice))
        wrong = sum(1 for _ in differences()) + len(total_differences())
        db.session.remove()
        db.engine.dispose()
    return checked, wrong


if __name__ == "__main__":
    sys.exit(main())
