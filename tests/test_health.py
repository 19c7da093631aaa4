"""Portal health (issue 10, item 5): each check turns to Warning or Action needed when its
condition is seeded, and back to OK when it is fixed; the dashboard links to the page when
anything needs action and names a failing email domain."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import update

from portal_app.extensions import db
from portal_app.models import Contact, OutboundEmail, Payment, utcnow
from tests.conftest import wait_for
from tests.factories import PASSWORD
from tests.security.helpers import commit

CHECK = re.compile(r'<li id="check-(\w+)">\s*<h2><span class="badge badge-\w+">([^<]+)</span>')


@pytest.fixture
def shop(make):
    shop = make.shop("Harbor Diesel", slug="harbor-diesel")
    make.payment_settings(shop, stripe_account_id="acct_health")  # Active, notifications on
    return shop


@pytest.fixture
def admin(make, shop):
    make.staff(shop, role="admin", email="second@harbor.example", name="Bo Second")
    return make.staff(shop, role="admin", email="ava@harbor.example", name="Ava Admin")


@pytest.fixture
def console(app, admin):
    client = app.test_client()
    client.login_staff(admin.email, PASSWORD)
    return client


def states(console) -> dict[str, str]:
    return dict(CHECK.findall(console.get("/staff/health").get_data(as_text=True)))


def page(console) -> str:
    return console.get("/staff/health").get_data(as_text=True)


def test_a_healthy_portal_is_ok_everywhere_and_the_dashboard_does_not_nag(console):
    assert set(states(console).values()) == {"OK"}
    assert len(states(console)) == 10
    assert "Open Portal health" not in console.get("/staff/").get_data(as_text=True)


def test_mail_server_missing_is_action_needed(app, console):
    app.config["MAIL_SERVER"] = ""
    try:
        assert states(console)["mail"] == "Action needed"
    finally:
        app.config["MAIL_SERVER"] = "127.0.0.1"
    assert states(console)["mail"] == "OK"


def test_stripe_not_active_says_why(make, shop, console):
    make.payment_settings(shop, stripe_account_id="acct_health", stripe_state="payouts_suspended",
                          stripe_disabled_reason="requirements.past_due",
                          stripe_currently_due="individual.verification.document")
    assert states(console)["stripe"] == "Action needed"
    assert "Payouts suspended: Stripe needs information: individual.verification.document" in \
        page(console)
    dashboard = console.get("/staff/").get_data(as_text=True)
    assert "Open Portal health" in dashboard and "Online payment (Stripe)" in dashboard
    make.payment_settings(shop, stripe_account_id="acct_health")
    assert states(console)["stripe"] == "OK"
    make.payment_settings(shop, stripe_account_id=None)
    assert states(console)["stripe"] == "Warning"


def test_invoice_notifications_off_is_a_warning(console):
    form = {"name": "Harbor Diesel", "brand_color": "#1f5f8b", "timezone": "America/New_York",
            "payment_terms_days": "30"}
    assert console.post_form("/staff/settings", form).status_code == 303  # box unticked
    assert states(console)["invoice_emails"] == "Warning"
    assert console.post_form("/staff/settings", {**form, "invoice_notifications": "y"}) \
        .status_code == 303
    assert states(console)["invoice_emails"] == "OK"


def test_failed_and_unanswered_invitations(app, make, shop, console, mailbox):
    customer = make.customer(shop, "Acme")
    old = make.contact(customer, email="old@acme.example",
                       invited_at=utcnow() - timedelta(days=8))
    assert states(console)["invitations"] == "Warning"
    assert "old@acme.example" in page(console)
    mailbox.refused.add("bounce@acme.example")
    bouncing = make.contact(customer, email="bounce@acme.example")
    console.post_form(f"/staff/contacts/{bouncing.id}/invite")
    wait_for(lambda: states(console)["invitations"] == "Action needed")
    assert "bounce@acme.example" in page(console)
    # fixed: the bouncing contact gets a good address and accepts; the old one accepts too
    for contact in (old, bouncing):
        commit(app, lambda c=contact: db.session.execute(
            update(Contact).where(Contact.id == c.id).values(activated_at=utcnow())))
    assert states(console)["invitations"] == "OK"


def test_failures_clustered_on_one_domain_name_the_domain(app, make, shop, console, mailbox):
    customer = make.customer(shop, "Cedar")
    for n in range(3):
        mailbox.refused.add(f"p{n}@quarantine.example")
        contact = make.contact(customer, email=f"p{n}@quarantine.example")
        console.post_form(f"/staff/contacts/{contact.id}/invite")
    wait_for(lambda: states(console)["domains"] == "Action needed")
    assert "quarantine.example (3 failures)" in page(console)
    dashboard = console.get("/staff/").get_data(as_text=True)
    assert "Emails to quarantine.example keep failing" in dashboard
    # a day later the cluster is history
    commit(app, lambda: db.session.execute(update(OutboundEmail).values(
        created_at=utcnow() - timedelta(hours=25))))
    assert states(console)["domains"] == "OK"
    assert "keep failing" not in console.get("/staff/").get_data(as_text=True)


def test_a_single_active_administrator_is_a_warning(make, shop, console, admin):
    second = console.get("/staff/users").get_data(as_text=True)
    bo = re.search(r'/staff/users/(\d+)/role', second.split("Bo Second")[1]).group(1)
    assert console.post_form(f"/staff/users/{bo}/deactivate").status_code == 303
    assert states(console)["admins"] == "Warning"
    assert "Only one active Administrator: Ava Admin" in page(console)
    assert console.post_form(f"/staff/users/{bo}/reactivate").status_code == 303
    assert states(console)["admins"] == "OK"


def test_bank_payments_processing_over_a_week(app, make, shop, console):
    invoice = make.invoice(make.customer(shop), number="INV-ACH")
    payment = make.payment(invoice, 5000, method="ach", status="processing")
    assert states(console)["bank_payments"] == "OK"  # in flight for a day is normal
    commit(app, lambda: db.session.execute(update(Payment).where(Payment.id == payment.id)
                                           .values(updated_at=utcnow() - timedelta(days=8))))
    assert states(console)["bank_payments"] == "Warning"
    commit(app, lambda: db.session.execute(update(Payment).where(Payment.id == payment.id)
                                           .values(status="succeeded")))
    assert states(console)["bank_payments"] == "OK"


def test_contacts_without_an_email(app, make, shop, console):
    contact = make.contact(make.customer(shop), name="Nobody Mail")
    commit(app, lambda: db.session.execute(update(Contact).where(Contact.id == contact.id)
                                           .values(email="")))  # as an import leaves it
    assert states(console)["contact_emails"] == "Warning"
    assert "Nobody Mail" in page(console)
    commit(app, lambda: db.session.execute(update(Contact).where(Contact.id == contact.id)
                                           .values(email="nobody@acme.example")))
    assert states(console)["contact_emails"] == "OK"


def test_people_locked_out_by_the_login_limit_right_now(app, make, shop, console):
    contact = make.active_contact(make.customer(shop), email="dana@acme.example")
    stranger = app.test_client()
    for n in range(6):
        stranger.post_form("/login", {"email": contact.email, "password": f"guess {n}"})
    assert states(console)["lockouts"] == "Warning"
    assert "dana@acme.example" in page(console)
    # someone else's shop does not see it
    other = make.staff(make.shop("Summit"), role="admin")
    elsewhere = app.test_client()
    elsewhere.login_staff(other.email, PASSWORD)
    assert states(elsewhere)["lockouts"] == "OK"
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        assert states(console)["lockouts"] == "OK"


def test_staff_may_read_the_health_page(app, make, shop):
    sam = make.staff(shop, role="staff")
    client = app.test_client()
    client.login_staff(sam.email, PASSWORD)
    assert client.get("/staff/health").status_code == 200


def test_estimates_and_additional_work_the_customer_owes_for_too_long(app, make, shop, console):
    from portal_app.models import Estimate, WorkOrder

    customer = make.customer(shop, "Acme")
    estimate = make.estimate(customer, number="EST-0042")
    work = make.work_order(customer, number="WO-0042", pending=(("Hoses", 1, 9000),))
    assert states(console)["approvals"] == "OK"  # sent today: nothing to chase yet
    old = utcnow() - timedelta(days=15)
    commit(app, lambda: db.session.execute(update(Estimate).where(Estimate.id == estimate.id)
                                           .values(updated_at=old)))
    commit(app, lambda: db.session.execute(update(WorkOrder).where(WorkOrder.id == work.id)
                                           .values(updated_at=old)))
    assert states(console)["approvals"] == "Warning"
    text = page(console)
    assert "EST-0042" in text and "WO-0042" in text
    commit(app, lambda: db.session.execute(update(Estimate).where(Estimate.id == estimate.id)
                                           .values(status="approved")))
    commit(app, lambda: db.session.execute(update(WorkOrder).where(WorkOrder.id == work.id)
                                           .values(status="in_progress")))
    assert states(console)["approvals"] == "OK"
