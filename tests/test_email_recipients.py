"""Emails to contacts who can act (issue 19 item 8): a document email goes to the customer's
contacts with portal access who want that kind; the console names whom it emailed, and says
when nobody can receive it, with a link to the customer's page to invite one."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from portal_app.extensions import db
from portal_app.models import OutboundEmail, PortalUser
from tests.conftest import wait_for
from tests.factories import PASSWORD


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    return {"shop": shop, "acme": acme,
            "dana": make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example",
                                        is_billing=True),
            "lee": make.active_contact(acme, name="Lee Park", email="lee@acme.example",
                                       is_billing=True),
            "pat": make.contact(acme, name="Pat Pending", email="pat@acme.example",
                                is_billing=True),  # not invited
            "ivy": make.contact(acme, name="Ivy Invited", email="ivy@acme.example",
                                is_billing=True),
            "admin": make.staff(shop, role="admin", email="ava@harbor.example")}


@pytest.fixture
def console(app, world):
    client = app.test_client()
    client.login_staff(world["admin"].email, PASSWORD)
    return client


def _recipients(read, kind: str) -> list[str]:
    return read(lambda: db.session.scalars(select(OutboundEmail.recipient).where(
        OutboundEmail.kind == kind).order_by(OutboundEmail.recipient)).all())


def _invite(console, contact):
    assert console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303


def test_an_estimate_goes_only_to_contacts_who_can_act_and_the_page_names_them(
        app, make, world, console, read, mailbox):
    _invite(console, world["ivy"])  # invited, not accepted yet: cannot act either
    draft = make.estimate(world["acme"], status="draft")
    page = console.get(f"/staff/estimates/{draft.id}").get_data(as_text=True)
    assert "Emails about this estimate go to Dana Ortiz and Lee Park." in page
    assert console.post_form(f"/staff/estimates/{draft.id}/send").status_code == 303
    page = console.get(f"/staff/estimates/{draft.id}").get_data(as_text=True)
    assert "EST-" in page and "Emailed to Dana Ortiz and Lee Park." in page
    assert _recipients(read, "estimate_sent") == ["dana@acme.example", "lee@acme.example"]
    wait_for(lambda: len(mailbox.to("lee@acme.example")) == 1)
    assert mailbox.to("pat@acme.example") == []  # "Not invited": nothing
    assert [m.subject for m in mailbox.to("ivy@acme.example")] == [
        "Harbor Diesel invites you to its customer portal"]  # only the invitation


def test_a_disabled_contact_or_one_who_does_not_want_the_kind_is_not_emailed(
        app, make, world, console, read):
    assert console.post_form(f"/staff/contacts/{world['lee'].id}/disable").status_code == 303
    read(lambda: (db.session.execute(update(PortalUser).where(
        PortalUser.email == "dana@acme.example").values(notify_estimates=False)),
        db.session.commit()))
    draft = make.estimate(world["acme"], status="draft")
    assert console.post_form(f"/staff/estimates/{draft.id}/send").status_code == 303
    assert _recipients(read, "estimate_sent") == []


def test_when_nobody_can_receive_it_the_page_says_so_with_a_link_to_invite_one(
        app, make, world, console, read):
    bare = make.customer(world["shop"], "Birch Construction")
    make.contact(bare, name="Ben Birch", email="ben@birch.example")
    draft = make.estimate(bare, status="draft")
    invite_link = f'<a href="/staff/customers/{bare.id}#contacts">Invite a contact on ' \
                  'Birch Construction’s page</a>'
    page = console.get(f"/staff/estimates/{draft.id}").get_data(as_text=True)
    assert "No contact of Birch Construction can receive these emails" in page
    assert invite_link in page
    response = console.post_form(f"/staff/estimates/{draft.id}/send")
    assert response.status_code == 303
    flashed = console.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'class="flash flash-success">EST-\d+ sent; the customer sees it in the '
                     r'portal\. No contact of Birch Construction can receive these emails',
                     flashed)
    assert flashed.count(invite_link) == 2  # the flash and the page's own line
    assert _recipients(read, "estimate_sent") == []
    work_order = make.work_order(bare)
    page = console.get(f"/staff/work-orders/{work_order.id}").get_data(as_text=True)
    assert "No contact of Birch Construction can receive these emails" in page


def test_additional_work_and_invoices_name_whom_they_emailed(app, make, world, console, read):
    work_order = make.work_order(world["acme"])
    response = console.post_form(f"/staff/work-orders/{work_order.id}/additional-work", {
        "based_on": "0", "action": "request", "lines-0-description": "Air hose",
        "lines-0-quantity": "1", "lines-0-unit_price": "165.00"})
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Additional work sent for approval. Emailed to Dana Ortiz and Lee Park." in page
    assert _recipients(read, "additional_work") == ["dana@acme.example", "lee@acme.example"]

    draft = make.invoice(world["acme"], state="draft", due_in_days=None)
    page = console.get(f"/staff/invoices/{draft.id}").get_data(as_text=True)
    assert "Emails about this invoice go to Dana Ortiz and Lee Park." in page
    response = console.post_form(f"/staff/invoices/{draft.id}/issue", {})
    assert response.status_code == 303
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Emailed to Dana Ortiz and Lee Park." in page
    assert _recipients(read, "invoice_issued") == ["dana@acme.example", "lee@acme.example"]


def test_invoice_emails_go_to_billing_contacts_with_access_only(app, make, world, console,
                                                                read):
    make.active_contact(world["acme"], name="Sid Shop-floor", email="sid@acme.example")
    draft = make.invoice(world["acme"], state="draft", due_in_days=None)
    assert console.post_form(f"/staff/invoices/{draft.id}/issue", {}).status_code == 303
    assert _recipients(read, "invoice_issued") == ["dana@acme.example", "lee@acme.example"]


def test_request_updates_go_to_the_requester_only_when_they_can_act(app, make, world, console,
                                                                    read):
    asked_by_pat = make.service_request(world["pat"])  # made before their access was removed
    response = console.post_form(f"/staff/requests/{asked_by_pat.id}/schedule",
                                 {"scheduled_for": "2099-01-15"})
    assert response.status_code == 303
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nobody was emailed" in page
    asked_by_dana = make.service_request(world["dana"])
    response = console.post_form(f"/staff/requests/{asked_by_dana.id}/schedule",
                                 {"scheduled_for": "2099-01-15"})
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dana Ortiz was emailed." in page
    assert _recipients(read, "request_update") == ["dana@acme.example"]
