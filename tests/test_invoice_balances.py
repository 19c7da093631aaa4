"""Stored invoice balances: one writer (invoice_balances.recompute), the same figures as the lines
and payments after every change, `flask invoices check`, and the migration's backfill.

ARCHITECTURE.md (Data): derived figures that lists filter or sum on are stored, written by
exactly one service function in the same transaction as the change they follow, and checked by
a recompute command and a property test.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import tempfile
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import selectinload

from portal_app.extensions import db
from portal_app.models import (Contact, Customer, CustomerInvoiceTotal, Invoice, InvoiceLine,
                               Payment, Shop, utcnow)
from portal_app.services import invoice_balances, invoices as invoice_service, payments, pricing
from portal_app.services.invoice_balances import differences
from tests.factories import PASSWORD
from tests.test_invoices import badges, expected_status, expected_total
from tests.test_payments import deliver

ROOT = Path(__file__).resolve().parent.parent
_accounts = itertools.count(1)


def _shop_invoices_agree(shop_id: int) -> None:
    """Stored == recomputed for every invoice of the shop, the page's status is the rule
    computed from lines and payments, and the list filters and the dashboard say the same."""
    today = invoice_service.today()
    base = select(Invoice).where(Invoice.shop_id == shop_id)
    ids = db.session.scalars(base.with_only_columns(Invoice.id)).all()
    wrong = list(differences(ids))
    assert wrong == [], wrong
    rows = db.session.scalars(base.options(selectinload(Invoice.lines),
                                           selectinload(Invoice.payments))
                              .execution_options(populate_existing=True)).all()
    assert {row.id: (row.total_cents, row.tax_cents) for row in rows} == {
        row.id: expected_total(row) for row in rows}
    truth = {row.id: expected_status(row, today) for row in rows}
    assert {row.id: (row.status_on(today), row.amount_due_cents) for row in rows} == truth
    for status in ("draft", "unpaid", "overdue", "processing", "paid", "void"):
        filtered = set(db.session.scalars(
            invoice_service.with_status(base, status).with_only_columns(Invoice.id)))
        assert filtered == {i for i, (s, _) in truth.items() if s == status}, status
    customers = {row.customer_id for row in rows}
    for customer_id in [None, *customers]:  # the staff dashboard's, and each customer's
        summary = invoice_service.open_summary(shop_id, customer_id)
        for status in ("unpaid", "overdue", "processing"):
            chosen = [row.id for row in rows if truth[row.id][0] == status
                      and customer_id in (None, row.customer_id)]
            assert summary[status] == (len(chosen), sum(truth[i][1] for i in chosen)), status
    assert invoice_balances.total_differences() == []


KINDS = ("labour", "parts", "fee")


def _lines(spec) -> list[InvoiceLine]:
    """Lines from (quantity in hundredths, unit price in cents, discount in hundredths of a
    percent, taxable) tuples, or (quantity, unit price) pairs."""
    return [InvoiceLine(position=i, **pricing.line_fields({
        "description": "Work", "kind": KINDS[i % 3], "quantity": Decimal(line[0]) / 100
        if len(line) > 2 else line[0], "unit_price_cents": line[1],
        "discount": Decimal(line[2]) / 100 if len(line) > 2 else 0,
        "taxable": len(line) > 2 and line[3]})) for i, line in enumerate(spec)]


class Ledger:
    """One shop with an Active Stripe account, three issued invoices, and the operations a
    property test drives through the service functions, the staff console (HTTP) and the
    Stripe webhook (HTTP, signed by the fake Stripe)."""

    def __init__(self, app, make, fake_stripe, read):
        self.app, self.fake, self.read = app, fake_stripe, read
        self.account = f"acct_ledger{next(_accounts)}"
        fake_stripe.add_account(self.account)
        self.shop = make.shop()
        make.payment_settings(self.shop, stripe_account_id=self.account,
                              bank_transfer_enabled=True)
        self.customer = make.customer(self.shop)
        self.contact = make.active_contact(self.customer, is_billing=True)
        self.staff_user = make.staff(self.shop)
        self.staff = None  # logged in on the first HTTP step (an argon2 check is slow)
        self.webhooks = app.test_client()
        self.invoices = [make.invoice(self.customer, lines=[("Work", 1, 10000 * (n + 1))],
                                      due_in_days=n * 10 - 10).id for n in range(3)]
        self.sessions: list[tuple[str, str]] = []  # (id, method)

    def invoice(self, ref: int) -> int:
        return self.invoices[ref % len(self.invoices)]

    def session(self, ref: int) -> tuple[str, str] | None:
        return self.sessions[ref % len(self.sessions)] if self.sessions else None

    def _staff(self):
        if self.staff is None:
            self.staff = self.app.test_client()
            self.staff.login_staff(self.staff_user.email, PASSWORD)
        return self.staff

    def _service(self, action):
        """Run action() in a request context and commit, as a view does; a refusal rolls back."""
        with self.app.test_request_context():
            try:
                result = action()
            except (invoice_service.InvoiceStateError, payments.PaymentRefused):
                db.session.rollback()
                return None
            db.session.commit()
            return result

    def _load(self, invoice_id: int) -> Invoice:
        return db.session.get(Invoice, invoice_id, options=[selectinload(Invoice.lines)])

    def _deliver(self, event: dict) -> None:
        response = deliver(self.webhooks, self.fake, event)
        assert response.status_code == 200, response.get_data(as_text=True)

    def _tell(self, event: dict, by_sync: bool) -> None:
        """Stripe's news by webhook, or (the webhook was lost) by `flask stripe sync`."""
        if by_sync:
            self._service(payments.sync_open_payments)
        else:
            self._deliver(event)

    # The operations, by name: each takes the drawn arguments.
    def new(self, spec, due_in, issue):
        def action():
            draft = Invoice(shop_id=self.shop.id, customer_id=self.customer.id,
                            number=f"L-{next(_accounts):06d}", state="draft",
                            issued_on=utcnow().date(),
                            due_on=utcnow().date() + timedelta(days=due_in))
            invoice_service.save_draft(draft, _lines(spec))
            if issue:
                invoice_service.issue(draft)
            return draft.id
        made = self._service(action)
        if made is None:  # issuing refused (no amount): keep the draft anyway
            made = self._service(lambda: self._draft_only(spec, due_in))
        self.invoices.append(made)

    def _draft_only(self, spec, due_in):
        draft = Invoice(shop_id=self.shop.id, customer_id=self.customer.id,
                        number=f"L-{next(_accounts):06d}", state="draft",
                        due_on=utcnow().date() + timedelta(days=due_in))
        return invoice_service.save_draft(draft, _lines(spec)).id

    def edit(self, ref, spec, over_http):
        invoice_id = self.invoice(ref)
        if not over_http or not spec:
            self._service(lambda: invoice_service.save_draft(self._load(invoice_id),
                                                             _lines(spec)))
            return
        form = {"customer_id": self.customer.id, "number": f"H-{invoice_id}", "issued_on": "",
                "due_on": "", "memo": ""}
        for i, (q, c, d, taxed) in enumerate(spec):
            form.update({f"lines-{i}-description": "Work", f"lines-{i}-kind": KINDS[i % 3],
                         f"lines-{i}-quantity": f"{q / 100}",
                         f"lines-{i}-unit_price": f"{c / 100:.2f}",
                         f"lines-{i}-discount": f"{d / 100}" if d else ""})
            if taxed:
                form[f"lines-{i}-taxable"] = "y"
        response = self._staff().post_form(f"/staff/invoices/{invoice_id}/edit", form)
        assert response.status_code == 303

    def issue(self, ref):
        self._service(lambda: invoice_service.issue(self._load(self.invoice(ref))))

    def rate(self, thousandths):
        """The shop changes its tax rate: drafts saved or issued afterwards take it; issued
        invoices keep theirs."""
        rate = None if thousandths is None else Decimal(thousandths) / 1000
        self._service(lambda: setattr(db.session.get(Shop, self.shop.id), "tax_rate", rate))

    def exempt(self, exempt):
        self._service(lambda: setattr(db.session.get(Customer, self.customer.id), "tax_exempt",
                                      exempt))

    def void(self, ref):
        self._service(lambda: invoice_service.void(self._load(self.invoice(ref)), "property"))

    def mark_paid(self, ref, share, over_http):
        invoice_id = self.invoice(ref)
        due = self.read(lambda: db.session.get(Invoice, invoice_id).amount_due_cents)
        amount = max(due * share // 100, 1)
        if over_http:
            response = self._staff().post_form(f"/staff/invoices/{invoice_id}/payments", {
                "amount": f"{amount / 100:.2f}", "method": "cash", "reference": "",
                "paid_on": utcnow().date().isoformat()})
            assert response.status_code in (303, 422)
            return
        self._service(lambda: invoice_service.record_manual_payment(
            self._load(invoice_id), amount_cents=amount, method="check", reference=None,
            paid_on=utcnow().date(), staff_id=self.staff_user.id))

    def checkout(self, refs, method):
        chosen = sorted({self.invoice(ref) for ref in refs})

        def action():
            url = payments.start_checkout([self._load(i) for i in chosen], method,
                                          db.session.get(Contact, self.contact.id))
            return url.rsplit("/", 1)[-1]
        session_id = self._service(action)
        if session_id is not None and (session_id, method) not in self.sessions:
            self.sessions.append((session_id, method))

    def complete(self, ref, by_sync):
        found = self.session(ref)
        if found is None or self.fake.sessions[found[0]]["status"] != "open":
            return
        self._tell(self.fake.complete_checkout(found[0], outcome=found[1]), by_sync)

    def settle(self, ref, succeeded, by_sync):
        found = self.session(ref)
        if found is None:
            return
        try:
            event = self.fake.settle_ach(found[0], succeeded=succeeded, failure_code=None
                                         if succeeded else "bank_account_unusable")
        except ValueError:
            return  # no bank payment processing in that session
        self._tell(event, by_sync)

    def expire(self, ref):
        found = self.session(ref)
        if found is not None:
            self._service(lambda: payments.expire_sessions([(found[0], self.account)]))

    def refund(self, ref, share):
        found = self.session(ref)
        if found is None or not self.fake.sessions[found[0]]["payment_intent"]:
            return
        charge = self.fake.charge_of(found[0])
        if charge["status"] != "succeeded":
            return
        charge["amount_refunded"] = max(charge["amount"] * share // 100, 1)
        self._deliver(self.fake.event("charge.refunded", charge, self.account))

    def dispute(self, ref, closed):
        found = self.session(ref)
        intent = found and self.fake.sessions[found[0]]["payment_intent"]
        if not intent:
            return
        dispute = {"id": f"dp_{found[0][-10:]}", "object": "dispute", "payment_intent": intent,
                   "status": "won" if closed else "needs_response"}
        self._deliver(self.fake.event("charge.dispute." + ("closed" if closed else "created"),
                                      dispute, self.account))


def _operations():
    from hypothesis import strategies as st

    ref = st.integers(0, 7)
    # (quantity in hundredths: 0.01 to 12.5, unit price, discount in hundredths of a percent,
    # taxable)
    quantity, discount = st.integers(1, 1250), st.sampled_from([0, 0, 1000, 1250, 3333, 10000])
    lines = st.lists(st.tuples(quantity, st.integers(0, 40000), discount, st.booleans()),
                     max_size=3)
    billable = st.lists(st.tuples(quantity, st.integers(1, 40000), st.just(0), st.booleans()),
                        min_size=1, max_size=3)
    by_sync = st.sampled_from([False, False, True])
    return st.one_of(
        st.tuples(st.just("new"), st.one_of(billable, lines), st.integers(-20, 20),
                  st.booleans()),
        st.tuples(st.just("edit"), ref, lines, st.booleans()),
        st.tuples(st.just("issue"), ref),
        st.tuples(st.just("rate"), st.sampled_from([None, 0, 7125, 8250, 10000])),
        st.tuples(st.just("exempt"), st.booleans()),
        st.tuples(st.just("void"), ref),
        st.tuples(st.just("mark_paid"), ref, st.integers(1, 100), st.booleans()),
        st.tuples(st.just("checkout"), st.lists(ref, min_size=1, max_size=2),
                  st.sampled_from(["card", "ach"])),
        st.tuples(st.just("checkout"), st.lists(ref, min_size=1, max_size=2),
                  st.sampled_from(["card", "ach"])),
        st.tuples(st.just("complete"), ref, by_sync),
        st.tuples(st.just("complete"), ref, by_sync),
        st.tuples(st.just("settle"), ref, st.booleans(), by_sync),
        st.tuples(st.just("expire"), ref),
        st.tuples(st.just("refund"), ref, st.integers(1, 100)),
        st.tuples(st.just("dispute"), ref, st.booleans()),
    )


def test_stored_balances_follow_every_change(app, make, fake_stripe, read):
    """Random sequences of draft line edits, issuing, manual payments (service and HTTP), Stripe
    checkouts (pending payments), completions by card and ACH (processing, succeeded), ACH
    failures, expired sessions, refunds, disputes and voids, Stripe's news by webhook or by
    `stripe sync`: after each step the stored figures equal the ones recomputed from lines and
    payments, and pages, filters and dashboards agree with the rule."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(_operations(), min_size=6, max_size=24))
    def check(steps):
        ledger = Ledger(app, make, fake_stripe, read)
        read(lambda: _shop_invoices_agree(ledger.shop.id))
        for name, *arguments in steps:
            getattr(ledger, name)(*arguments)
            read(lambda: _shop_invoices_agree(ledger.shop.id))

    check()


def test_mark_as_paid_is_paid_everywhere_on_the_next_request(app, make, portal, acme, shop):
    """FAQ: "Paid in ShopView but Unpaid in the portal" cannot happen: the one stored copy is
    written with the payment, and the page, the list filter and the dashboard read it."""
    staff = app.test_client()
    staff.login_staff(make.staff(shop).email, PASSWORD)
    invoice = make.invoice(acme, lines=[("Inspection", 1, 18500)], number="INV-FAQ")
    assert "1 to pay" in portal.get("/").get_data(as_text=True)
    assert badges(portal.get("/invoices?status=unpaid")) == ["Unpaid"]
    response = staff.post_form(f"/staff/invoices/{invoice.id}/payments", {
        "amount": "185.00", "method": "check", "reference": "Check 7", "paid_on": "2026-11-02"})
    assert response.status_code == 303
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Paid"]
    assert badges(portal.get("/invoices?status=paid")) == ["Paid"]
    assert badges(portal.get("/invoices?status=unpaid")) == []
    dashboard = portal.get("/").get_data(as_text=True)
    assert "No open invoices" in dashboard and "1 to pay" not in dashboard
    assert badges(staff.get("/staff/invoices?status=paid")) == ["Paid"]
    assert "<strong>0</strong><span>invoices to pay · $0.00" in staff.get(
        "/staff/").get_data(as_text=True)


def test_invoices_check_passes_and_names_any_difference(app, make, acme, runner):
    paid = make.invoice(acme, lines=[("Brakes", 2, 12000)], number="INV-C1")
    make.payment(paid, 24000)
    make.invoice(acme, number="INV-C2", state="draft")
    make.invoice(acme, number="INV-C3")
    result = runner.invoke(args=["invoices", "check"])
    assert result.exit_code == 0, result.output
    assert "3 invoices checked, all match." in result.output
    # A copy written behind the writer's back (what the one writer prevents) is found.
    with app.app_context():
        db.session.execute(update(Invoice).where(Invoice.id == paid.id).values(
            status="unpaid", paid_cents=0, amount_due_cents=24000))
        db.session.commit()
    result = runner.invoke(args=["invoices", "check"])
    assert result.exit_code == 1
    assert f"invoice {paid.id} INV-C1:" in result.output
    assert "status 'unpaid' (should be 'paid')" in result.output
    assert "paid_cents 0 (should be 24000)" in result.output
    assert "3 invoices checked, 1 differ" in result.output
    repaired = runner.invoke(args=["invoices", "check", "--repair"])
    assert repaired.exit_code == 1 and "Repaired: 1 invoices recomputed" in repaired.output
    result = runner.invoke(args=["invoices", "check"])
    assert result.exit_code == 0, result.output
    # An open-invoice total changed by hand is found as well.
    with app.app_context():
        db.session.execute(update(CustomerInvoiceTotal).values(invoices=5))
        db.session.commit()
    result = runner.invoke(args=["invoices", "check"])
    assert result.exit_code == 1 and "customer_invoice_total" in result.output


def test_assigning_a_stored_balance_outside_the_writer_raises(app, make, acme):
    invoice = make.invoice(acme, number="INV-RO")
    with app.app_context():
        found = db.session.get(Invoice, invoice.id)
        for column in Invoice.BALANCE_COLUMNS:
            with pytest.raises(AttributeError, match="only services.invoice_balances"):
                setattr(found, column, 0 if column != "status" else "paid")
        db.session.rollback()


def test_a_refund_and_a_payment_at_once_both_count(app, make, acme):
    """Two transactions changing one invoice's payments at the same moment: the second one's
    recompute waits for the first (PostgreSQL: the invoice's row lock) and sees both changes.
    On SQLite the second writer waits for the first to commit before its own first write."""
    invoice = make.invoice(acme, lines=[("Job", 1, 50000)], number="INV-RACE")
    with app.app_context():
        overlap = db.engine.dialect.name == "postgresql"
    barrier = threading.Barrier(2 if overlap else 1)
    errors = []

    def pay(amount):
        try:
            with app.test_request_context():
                found = db.session.get(Invoice, invoice.id)
                db.session.add(Payment(shop_id=found.shop_id, invoice_id=found.id,
                                       amount_cents=amount, method="cash", status="succeeded"))
                db.session.flush()
                barrier.wait(timeout=5)
                invoice_balances.recompute([found.id])
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=pay, args=(amount,)) for amount in (10000, 15000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    with app.app_context():
        found = db.session.get(Invoice, invoice.id)
        figures = (found.paid_cents, found.amount_due_cents, found.status)
    assert errors == []
    assert figures == (25000, 25000, "unpaid")


WRITER = ROOT / "portal_app" / "services" / "invoice_balances.py"
MONEY = {"total_cents", "paid_cents", "processing_cents", "amount_due_cents"}


def _writes_outside_the_writer(path: Path) -> list[str]:
    """Places in a module that assign an invoice's stored balances: attribute assignments,
    keyword arguments and dict keys naming the money columns, Invoice(status=...) or
    update(Invoice)....values(status=...), and inserts, updates or deletes of the open-invoice
    totals."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and (
                        target.attr in MONEY or (target.attr == "status" and "invoice" in
                                                 ast.unparse(target.value).lower())):
                    found.append(f"{where} assigns {ast.unparse(target)}")
        elif isinstance(node, ast.Call):
            call = ast.unparse(node.func)
            names = {kw.arg for kw in node.keywords}
            if names & MONEY:
                found.append(f"{where} passes {sorted(names & MONEY)} to {call}")
            if "status" in names and ("Invoice" in call or "update(Invoice)" in call):
                found.append(f"{where} passes status to {call}")
            if any("InvoiceTotal" in ast.unparse(arg) for arg in node.args) and call in (
                    "insert", "update", "delete", "insert_for") or call.endswith("InvoiceTotal"):
                found.append(f"{where} writes {ast.unparse(node)[:60]}")
            if call in ("setattr",) and len(node.args) > 1 and isinstance(
                    node.args[1], ast.Constant) and node.args[1].value in MONEY | {"status"}:
                found.append(f"{where} setattr {node.args[1].value}")
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if keys & MONEY:
                found.append(f"{where} dict with {sorted(keys & MONEY)}")
    return found


def test_nothing_but_the_one_writer_assigns_the_stored_balances():
    modules = [path for folder in ("portal_app", "bench") for path in
               sorted((ROOT / folder).rglob("*.py")) if path != WRITER]
    modules += [ROOT / "tests" / "factories.py"]
    found = [place for path in modules for place in _writes_outside_the_writer(path)]
    assert found == []
    # ...and the check does see a write when there is one (the writer itself has them).
    assert _writes_outside_the_writer(WRITER)


def _second_app(app):
    """Another app on an empty database of its own (a SQLite file, or on PostgreSQL the test
    database's name + "_migrations"), for running the migrations from an older revision."""
    from portal_app import create_app
    from tests.databases import empty_postgres

    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "postgresql":
        other_url = empty_postgres(url.set(database=f"{url.database}_migrations")
                                   .render_as_string(hide_password=False))
    else:
        other_url = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="portal-mig-"),
                                                "m.sqlite3")
    # The limiter is one object for every app: the second app keeps the first one's storage.
    return create_app({"TESTING": True, "PORTAL_ENV": "test", "SECRET_KEY": "migration-test",
                       "RATELIMIT_STORAGE_URI": app.config["RATELIMIT_STORAGE_URI"],
                       "SQLALCHEMY_DATABASE_URI": other_url})


def test_the_migration_fills_in_every_existing_invoice(app):
    """0009 on a database with invoices of every state (made before balances were stored):
    every invoice gets the figures the one writer would give it, and they still agree after
    the later revisions; downgrading keeps the rows."""
    from flask_migrate import downgrade, upgrade

    other = _second_app(app)
    now = utcnow()
    specs = [  # state, lines, payments (amount, refunded, status)
        ("draft", [(1, 5000)], []),
        ("open", [(2, 5000)], []),
        ("open", [(1, 5000)], [(5000, 0, "succeeded")]),
        ("open", [(1, 9000)], [(9000, 3000, "succeeded")]),
        ("open", [(1, 7000)], [(7000, 0, "processing"), (7000, 0, "failed")]),
        ("open", [(1, 7000)], [(2000, 0, "succeeded"), (5000, 0, "processing")]),
        ("open", [], [(100, 0, "pending")]),
        ("void", [(1, 1000)], [(1000, 0, "canceled")]),
    ]
    with other.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO shop (id, name, slug, brand_color, timezone, "
                           "created_at) VALUES (1, 'S', 's', '#1f5f8b', 'UTC', :now)"),
                      {"now": now})
            c.execute(text("INSERT INTO customer (id, shop_id, name, created_at) "
                           "VALUES (1, 1, 'C', :now)"), {"now": now})
            for n, (state, lines, pays) in enumerate(specs, start=1):
                c.execute(text("INSERT INTO invoice (id, shop_id, customer_id, number, state, "
                               "currency, due_on, created_at, updated_at) VALUES (:n, 1, 1, "
                               ":num, :state, 'usd', :due, :now, :now)"),
                          {"n": n, "num": f"M-{n}", "state": state, "due": now.date(),
                           "now": now})
                for qty, cents in lines:
                    c.execute(text("INSERT INTO invoice_line (invoice_id, position, "
                                   "description, quantity, unit_price_cents) "
                                   "VALUES (:n, 0, 'x', :q, :c)"), {"n": n, "q": qty, "c": cents})
                for amount, refunded, status in pays:
                    c.execute(text("INSERT INTO payment (shop_id, invoice_id, amount_cents, "
                                   "refunded_cents, method, status, disputed, created_at, "
                                   "updated_at) VALUES (1, :n, :a, :r, 'check', :s, false, "
                                   ":now, :now)"),
                              {"n": n, "a": amount, "r": refunded, "s": status, "now": now})
        upgrade(revision="0009")
        stored = [tuple(row) for row in db.session.execute(text(
            "SELECT number, status, total_cents, paid_cents, processing_cents, "
            "amount_due_cents FROM invoice ORDER BY id"))]
        db.session.remove()
        upgrade()  # the later revisions keep them (0013: quantities in hundredths, 64 bits)
        unchecked = list(differences()) + invoice_balances.total_differences()
        totals = db.session.execute(text(
            "SELECT status, invoices, amount_due_cents FROM shop_invoice_total "
            "ORDER BY status")).all()
        db.session.remove()
        downgrade(revision="0008")
        with db.engine.begin() as c:
            kept = c.execute(text("SELECT count(*) FROM invoice")).scalar()
        db.engine.dispose()
    assert stored == [
        ("M-1", "draft", 5000, 0, 0, 5000),
        ("M-2", "unpaid", 10000, 0, 0, 10000),
        ("M-3", "paid", 5000, 5000, 0, 0),
        ("M-4", "unpaid", 9000, 6000, 0, 3000),
        ("M-5", "processing", 7000, 0, 7000, 7000),
        ("M-6", "processing", 7000, 2000, 5000, 5000),
        ("M-7", "unpaid", 0, 0, 0, 0),
        ("M-8", "void", 1000, 0, 0, 1000),
    ]
    assert unchecked == []  # what `flask invoices check` reads: the writer's rule agrees
    assert [tuple(row) for row in totals] == [("processing", 2, 12000), ("unpaid", 3, 13000)]
    assert kept == len(specs)


READS_MONEY_TABLES = re.compile(r"\b(FROM|JOIN)\s+(payment|invoice_line)\b(?!_)")


def test_queries_read_no_payment_or_line_table_for_lists_and_dashboards(app, make, portal,
                                                                          acme, shop):
    """Lists, filters and dashboards read the stored columns: no SQL of theirs touches the
    payment or invoice_line tables."""
    from bench.page_weight import count_queries

    staff = app.test_client()
    staff.login_staff(make.staff(shop).email, PASSWORD)
    for n in range(3):
        make.payment(make.invoice(acme, number=f"INV-Q{n}"), 5000)
    pages = [(portal, "/"), (portal, "/invoices"), (portal, "/invoices?status=overdue"),
             (staff, "/staff/"), (staff, "/staff/invoices?status=unpaid"),
             (staff, "/staff/invoices?q=acme")]
    for client, url in pages:
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        touched = [s for s in statements if READS_MONEY_TABLES.search(s)]
        if url == "/staff/":  # the stuck-bank-payments count reads payments on purpose
            touched = [s for s in touched if "updated_at <" not in s]
        assert touched == [], (url, touched)


def test_the_check_reads_in_batches_and_misses_none(app, make, acme, read):
    made = [make.invoice(acme, number=f"INV-N{n}") for n in range(5)]
    assert read(lambda: list(differences(batch=2))) == []
    with app.app_context():
        db.session.execute(update(Invoice).where(Invoice.id == made[4].id)
                           .values(total_cents=1, amount_due_cents=1))
        db.session.commit()
    found = read(lambda: [d[0] for d in differences(batch=2)])
    assert found == [made[4].id]
