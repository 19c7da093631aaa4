"""Online payment through HTTP: the real stripe library talks to the fake Stripe server
(tests/fakes/stripe_server.py); webhooks are signed with Stripe's scheme and verified by the
library. SECURITY.md rows 19, 33, 34 and the FAQ's troubleshooting 6 and 7."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
import stripe
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import OutboundEmail, Payment, PaymentSettings, StripeEvent
from tests.conftest import STRIPE_WEBHOOK_SECRET, wait_for
from tests.factories import PASSWORD

ACCOUNT = "acct_harbor"
BADGE = re.compile(r'class="badge badge-\w+">(\w+)<')


@pytest.fixture
def stripe_shop(make, shop, fake_stripe):
    """The shop with an Active connected account (card and ACH) and bank transfer on."""
    fake_stripe.add_account(ACCOUNT)
    make.payment_settings(shop, stripe_account_id=ACCOUNT, bank_transfer_enabled=True)
    return shop


def pay(client, invoice, method="card"):
    return client.post_form(f"/invoices/{invoice.id}/pay", {"method": method})


def checkout_id(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.search(r"/pay/(cs_test_\w+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def deliver(client, fake, event, *, secret=STRIPE_WEBHOOK_SECRET, timestamp=None):
    """POST a Stripe-signed event to the webhook with the Flask client; return the response."""
    payload = json.dumps(event).encode()
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp) if timestamp else fake.sign(payload, secret=secret)
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": header, "Content-Type": "application/json"})


def count(read, model, *where):
    return read(lambda: db.session.scalar(select(func.count()).select_from(model).where(*where)))


def badges(response) -> list[str]:
    return BADGE.findall(response.get_data(as_text=True))


def test_pay_by_card_creates_checkout_on_the_connected_account(portal, acme, make, stripe_shop,
                                                               fake_stripe, read):
    invoice = make.invoice(acme, lines=[("Brakes", 2, 12550)], number="INV-9")
    page = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert ">Pay by card</button>" in page and ">Pay by bank transfer (ACH)</button>" in page
    assert "js.stripe.com" not in page  # no Stripe JavaScript on our pages
    session_id = checkout_id(pay(portal, invoice))
    created = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert len(created) == 1
    sent = created[0]
    assert sent.account == ACCOUNT and sent.headers["Stripe-Account"] == ACCOUNT
    assert sent.idempotency_key and str(invoice.id) in sent.idempotency_key
    assert sent.params["line_items"][0]["price_data"]["unit_amount"] == "25100"
    assert sent.params["allowed_payment_method_types"] == ["card"]
    assert sent.params["metadata"]["invoice_ids"] == str(invoice.id)
    assert sent.params["payment_intent_data"]["metadata"]["invoice_ids"] == str(invoice.id)
    assert "{CHECKOUT_SESSION_ID}" in sent.params["success_url"]
    # Clicking Pay again (double click, back button) reuses the open session.
    assert checkout_id(pay(portal, invoice)) == session_id
    assert len(fake_stripe.requests_to("POST", "/v1/checkout/sessions")) == 1
    assert count(read, Payment) == 1

    # Stripe says paid: the invoice is Paid, one receipt goes out, even if the event repeats.
    event = fake_stripe.complete_checkout(session_id, outcome="card")
    assert deliver(portal, fake_stripe, event).status_code == 200
    assert deliver(portal, fake_stripe, event).status_code == 200
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Paid"]
    assert count(read, OutboundEmail, OutboundEmail.kind == "payment_receipt") == 1
    assert count(read, StripeEvent) == 1
    # Paying a paid invoice is refused with a message.
    response = pay(portal, invoice)
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/invoices/{invoice.id}")
    assert "already paid" in portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)


def test_concurrent_double_click_makes_one_session_and_one_payment(app, dana, acme, make,
                                                                   stripe_shop, fake_stripe,
                                                                   read):
    invoice = make.invoice(acme, number="INV-DC")
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        client.login_portal(dana.email, PASSWORD)
    tokens = [client.csrf_token() for client in clients]
    fake_stripe.hang_next(0.3, count=2, path_prefix="/v1/checkout/sessions")
    results = []

    def click(client, token):
        results.append(client.post(f"/invoices/{invoice.id}/pay",
                                   data={"method": "card", "csrf_token": token}))

    threads = [threading.Thread(target=click, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    locations = {r.headers.get("Location") for r in results}
    assert len(locations) == 1 and "/pay/cs_test_" in locations.pop()
    assert count(read, Payment) == 1
    keys = {r.idempotency_key for r in fake_stripe.requests_to("POST", "/v1/checkout/sessions")}
    assert len(keys) == 1  # both requests used the same idempotency key


def test_ach_processing_then_paid_and_out_of_order(portal, acme, make, stripe_shop, fake_stripe,
                                                   read):
    invoice = make.invoice(acme, number="INV-ACH")
    session_id = checkout_id(pay(portal, invoice, "ach"))
    sent = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert sent.params["allowed_payment_method_types"] == ["us_bank_account"]
    assert sent.params["payment_method_options"]["us_bank_account"][
        "verification_method"] == "instant"
    completed = fake_stripe.complete_checkout(session_id, outcome="ach")
    assert deliver(portal, fake_stripe, completed).status_code == 200
    page = portal.get(f"/invoices/{invoice.id}")
    assert badges(page) == ["Processing"] and "Bank payment processing" in page.get_data(
        as_text=True)
    assert count(read, OutboundEmail, OutboundEmail.kind == "payment_receipt") == 0

    succeeded = fake_stripe.settle_ach(session_id, succeeded=True)
    deliver(portal, fake_stripe, succeeded)
    # The older "completed" event arriving late does not move the invoice back.
    stale = fake_stripe.event("checkout.session.completed", completed["data"]["object"],
                              ACCOUNT)
    deliver(portal, fake_stripe, stale)
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Paid"]
    assert count(read, OutboundEmail, OutboundEmail.kind == "payment_receipt") == 1


def test_succeeded_before_completed_ends_paid(portal, acme, make, stripe_shop, fake_stripe):
    invoice = make.invoice(acme, number="INV-OOO")
    session_id = checkout_id(pay(portal, invoice, "ach"))
    completed = fake_stripe.complete_checkout(session_id, outcome="ach")
    succeeded = fake_stripe.settle_ach(session_id, succeeded=True)
    deliver(portal, fake_stripe, succeeded)
    deliver(portal, fake_stripe, completed)
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Paid"]


def test_bank_that_cannot_do_ach_offers_card_in_one_click(portal, acme, make, stripe_shop,
                                                          fake_stripe, mailbox):
    """FAQ troubleshooting 7: the portal says so plainly and offers card."""
    invoice = make.invoice(acme, lines=[("Service", 1, 45000)], number="INV-BANK")
    session_id = checkout_id(pay(portal, invoice, "ach"))
    deliver(portal, fake_stripe, fake_stripe.complete_checkout(session_id, outcome="ach"))
    failed = fake_stripe.settle_ach(session_id, succeeded=False,
                                    failure_code="bank_account_restricted")
    assert deliver(portal, fake_stripe, failed).status_code == 200
    page = portal.get(f"/invoices/{invoice.id}")
    body = page.get_data(as_text=True)
    assert badges(page) == ["Unpaid"]
    assert "Your bank can&#39;t be used for bank transfers (ACH)" in body
    assert ">Pay by card instead</button>" in body
    assert ">Pay by bank transfer (ACH)</button>" not in body
    mail = wait_for(lambda: mailbox.to("dana@acme.example"))
    assert mail and "pay by card instead" in mail[-1].text.lower()
    # One click: a card checkout for the full amount.
    card_session = checkout_id(portal.post_form(f"/invoices/{invoice.id}/pay",
                                                {"method": "card"}))
    assert card_session != session_id
    sent = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert sent.params["allowed_payment_method_types"] == ["card"]
    assert sent.params["line_items"][0]["price_data"]["unit_amount"] == "45000"


def test_insufficient_funds_is_not_called_an_unusable_bank(portal, acme, make, stripe_shop,
                                                           fake_stripe):
    invoice = make.invoice(acme, number="INV-NSF")
    session_id = checkout_id(pay(portal, invoice, "ach"))
    deliver(portal, fake_stripe, fake_stripe.complete_checkout(session_id, outcome="ach"))
    deliver(portal, fake_stripe,
            fake_stripe.settle_ach(session_id, succeeded=False, failure_code="insufficient_funds"))
    body = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "insufficient funds" in body and "Pay by card instead" not in body
    assert ">Pay by bank transfer (ACH)</button>" in body


@pytest.mark.parametrize("problem", ["missing", "wrong secret", "stale", "tampered"])
def test_webhook_refuses_bad_signatures(client, fake_stripe, stripe_shop, problem, read):
    event = fake_stripe.event("account.updated", {"id": ACCOUNT, "object": "account",
                                                  "charges_enabled": False}, ACCOUNT)
    payload = json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if problem == "wrong secret":
        headers["Stripe-Signature"] = fake_stripe.sign(payload, secret="whsec_other")
    elif problem == "stale":
        headers["Stripe-Signature"] = fake_stripe.sign(payload, timestamp=int(time.time()) - 600)
    elif problem == "tampered":
        headers["Stripe-Signature"] = fake_stripe.sign(payload)
        payload = payload.replace(b'"charges_enabled": false', b'"charges_enabled": true')
    response = client.post("/webhooks/stripe", data=payload, headers=headers)
    assert response.status_code == 400
    assert count(read, StripeEvent) == 0
    assert read(lambda: db.session.get(PaymentSettings, stripe_shop.id).stripe_state) == "active"


def test_concurrent_duplicate_deliveries_apply_once(app, portal, acme, make, stripe_shop,
                                                    fake_stripe, read):
    """SECURITY row 34: the same event twice at once: one payment, one receipt."""
    invoice = make.invoice(acme, number="INV-TWICE")
    session_id = checkout_id(pay(portal, invoice))
    event = fake_stripe.complete_checkout(session_id, outcome="card")
    statuses = []

    def send():
        statuses.append(deliver(app.test_client(), fake_stripe, event).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 200 in statuses and set(statuses) <= {200, 503}
    assert count(read, Payment, Payment.status == "succeeded") == 1
    assert count(read, OutboundEmail, OutboundEmail.kind == "payment_receipt") == 1
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Paid"]


def test_stripe_unreachable_says_so_and_writes_nothing(portal, acme, make, stripe_shop,
                                                       fake_stripe, read):
    """SECURITY row 33."""
    invoice = make.invoice(acme, number="INV-DOWN")
    fake_stripe.fail_next(status=500, count=5, path_prefix="/v1/checkout/sessions")
    response = pay(portal, invoice)
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/invoices/{invoice.id}")
    page = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Nothing was charged; please try again in a minute." in page
    assert count(read, Payment) == 0
    fake_stripe.hang_next(5, count=5, path_prefix="/v1/")  # a timeout (STRIPE_TIMEOUT is 2 s)
    pay(portal, invoice)
    assert "Stripe could not be reached" in portal.get(
        f"/invoices/{invoice.id}").get_data(as_text=True)
    assert count(read, Payment) == 0
    tried = {r.idempotency_key for r in fake_stripe.requests_to("POST", "/v1/checkout/sessions")}
    # When Stripe answers again, paying works, with the same Idempotency-Key (row 33).
    fake_stripe.reset()
    fake_stripe.add_account(ACCOUNT)
    checkout_id(pay(portal, invoice))
    assert {r.idempotency_key for r in fake_stripe.requests_to(
        "POST", "/v1/checkout/sessions")} == tried and len(tried) == 1


def test_void_invoice_and_foreign_invoices_cannot_be_paid(portal, acme, make, shop, stripe_shop,
                                                          fake_stripe, read):
    void = make.invoice(acme, number="INV-V", state="void")
    response = pay(portal, void)
    assert response.status_code == 303
    assert "voided and cannot be paid" in portal.get(f"/invoices/{void.id}").get_data(
        as_text=True)
    birch = make.customer(shop, "Birch Construction")
    theirs = make.invoice(birch, number="INV-B")
    assert pay(portal, theirs).status_code == 404
    mine = make.invoice(acme, number="INV-M")
    response = portal.post_form("/invoices/pay", {"invoice": [mine.id, theirs.id],
                                                  "method": "card"})
    assert response.status_code == 404
    assert count(read, Payment) == 0 and not fake_stripe.requests_to("POST", "/v1/checkout")


def test_pay_several_invoices_in_one_checkout(portal, acme, make, stripe_shop, fake_stripe,
                                              read):
    first = make.invoice(acme, lines=[("A", 1, 10000)], number="INV-1")
    second = make.invoice(acme, lines=[("B", 1, 2550)], number="INV-2", due_in_days=-2)
    make.payment(second, 550)  # partially paid: only the amount due is charged
    listing = portal.get("/invoices").get_data(as_text=True)
    assert "Pay selected by card" in listing and f'value="{first.id}"' in listing
    response = portal.post_form("/invoices/pay", {"invoice": [first.id, second.id],
                                                  "method": "card"})
    session_id = checkout_id(response)
    sent = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1]
    amounts = sorted(int(item["price_data"]["unit_amount"]) for item in sent.params["line_items"])
    assert amounts == [2000, 10000]
    assert sent.params["metadata"]["invoice_ids"] == f"{first.id},{second.id}"
    deliver(portal, fake_stripe, fake_stripe.complete_checkout(session_id, "card"))
    assert badges(portal.get("/invoices")) == ["Paid", "Paid"]
    assert count(read, OutboundEmail, OutboundEmail.kind == "payment_receipt") == 2


def test_return_page_asks_stripe_and_shows_the_result(portal, acme, make, stripe_shop,
                                                      fake_stripe):
    invoice = make.invoice(acme, number="INV-RET")
    session_id = checkout_id(pay(portal, invoice))
    # Coming back without paying: Stripe says the session is open, nothing is claimed.
    page = portal.get(f"/payments/return?session_id={session_id}").get_data(as_text=True)
    assert "Waiting for Stripe" in page
    fake_stripe.complete_checkout(session_id, outcome="card")  # the webhook has not arrived
    page = portal.get(f"/payments/return?session_id={session_id}").get_data(as_text=True)
    assert "payment received" in page
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Paid"]
    assert portal.get("/payments/return?session_id=cs_test_unknown").status_code == 404
    cancel = portal.get(f"/payments/cancel?session_id={session_id}").get_data(as_text=True)
    assert "Nothing was charged" in cancel


def test_events_for_another_account_or_amount_are_ignored(portal, acme, make, stripe_shop,
                                                          fake_stripe):
    invoice = make.invoice(acme, number="INV-X")
    session_id = checkout_id(pay(portal, invoice))
    event = fake_stripe.complete_checkout(session_id, outcome="card")
    forged = json.loads(json.dumps(event))
    forged["id"], forged["account"] = "evt_forged_account", "acct_someone_else"
    assert deliver(portal, fake_stripe, forged).status_code == 200
    cheap = json.loads(json.dumps(event))
    cheap["id"] = "evt_forged_amount"
    cheap["data"]["object"]["amount_total"] = 1
    assert deliver(portal, fake_stripe, cheap).status_code == 200
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Unpaid"]


def test_refund_reopens_the_amount_due(portal, acme, make, stripe_shop, fake_stripe):
    invoice = make.invoice(acme, lines=[("Job", 1, 30000)], number="INV-REF")
    session_id = checkout_id(pay(portal, invoice))
    completed = fake_stripe.complete_checkout(session_id, outcome="card")
    deliver(portal, fake_stripe, completed)
    intent = fake_stripe.sessions[session_id]["payment_intent"]
    charge = {"id": "ch_refund", "object": "charge", "payment_intent": intent,
              "amount": 30000, "amount_refunded": 10000}
    deliver(portal, fake_stripe, fake_stripe.event("charge.refunded", charge, ACCOUNT))
    page = portal.get(f"/invoices/{invoice.id}")
    assert badges(page) == ["Unpaid"] and "Amount due: $100.00" in page.get_data(as_text=True)


def test_not_active_account_hides_payment_and_explains(app, portal, acme, make, shop,
                                                       fake_stripe):
    """FAQ troubleshooting 6: staff see why in Stripe's terms; customers see how to pay."""
    fake_stripe.add_account(ACCOUNT, charges_enabled=True, payouts_enabled=False,
                            disabled_reason="requirements.past_due",
                            currently_due=["individual.verification.document"])
    make.payment_settings(shop, stripe_account_id=ACCOUNT, stripe_state="not_connected",
                          pay_instead_text="Mail a check to 1 Harbor Road.")
    admin = app.test_client()
    admin.login_staff(make.staff(shop, role="admin").email, PASSWORD)
    assert admin.post_form("/staff/settings/payments/refresh").status_code == 303
    page = admin.get("/staff/settings/payments").get_data(as_text=True)
    assert "Payouts suspended" in page
    assert "Stripe needs information: individual.verification.document" in page
    assert "Refresh status" in page and ">Continue setup</button>" in page

    invoice = make.invoice(acme, number="INV-NA")
    body = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Online payment isn't available" in body and "Mail a check to 1 Harbor Road." in body
    assert "Pay by card" not in body
    assert pay(portal, invoice).status_code == 303
    assert not fake_stripe.requests_to("POST", "/v1/checkout/sessions")

    # Stripe reports the account Active (account.updated webhook): payment appears.
    account = fake_stripe.update_account(ACCOUNT, payouts_enabled=True, disabled_reason=None,
                                         currently_due=[])
    event = fake_stripe.event("account.updated", account, ACCOUNT)
    assert deliver(app.test_client(), fake_stripe, event).status_code == 200
    assert ">Pay by card</button>" in portal.get(f"/invoices/{invoice.id}").get_data(
        as_text=True)


def test_stripe_not_configured_explains_itself(app, portal, acme, make, shop):
    make.payment_settings(shop, stripe_account_id=ACCOUNT)
    invoice = make.invoice(acme, number="INV-NC")
    app.config["STRIPE_SECRET_KEY"] = ""
    try:
        body = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
        assert "Online payment isn't available" in body and "Pay by card" not in body
        admin = app.test_client()
        admin.login_staff(make.staff(shop, role="admin").email, PASSWORD)
        page = admin.get("/staff/settings/payments").get_data(as_text=True)
        assert "Stripe keys are not configured" in page
        # The button is there, disabled, saying why; pressing it anyway changes nothing.
        assert re.search(r'<button class="btn primary" type="button" disabled '
                         r'aria-describedby="stripe-keys">Set up online payments</button>', page)
    finally:
        app.config["STRIPE_SECRET_KEY"] = "sk_test_fake"


def test_stripe_sync_reconciles_processing_payments(portal, runner, acme, make, stripe_shop,
                                                    fake_stripe, read):
    invoice = make.invoice(acme, number="INV-SYNC")
    session_id = checkout_id(pay(portal, invoice, "ach"))
    deliver(portal, fake_stripe, fake_stripe.complete_checkout(session_id, outcome="ach"))
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Processing"]
    fake_stripe.settle_ach(session_id, succeeded=True)  # the webhook never arrives
    result = runner.invoke(args=["stripe", "sync"])
    assert result.exit_code == 0, result.output
    assert f"{session_id}: paid 1" in result.output
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Paid"]
    assert count(read, OutboundEmail, OutboundEmail.kind == "payment_receipt") == 1


def test_a_bank_payment_in_flight_is_not_charged_twice(portal, acme, make, stripe_shop,
                                                       fake_stripe):
    invoice = make.invoice(acme, lines=[("Job", 1, 50000)], number="INV-PART")
    make.payment(invoice, 20000, method="ach", status="processing")
    page = portal.get(f"/invoices/{invoice.id}")
    assert badges(page) == ["Unpaid"]
    assert "you can pay the other $300.00 now" in page.get_data(as_text=True)
    checkout_id(pay(portal, invoice))
    sent = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert sent.params["line_items"][0]["price_data"]["unit_amount"] == "30000"


def test_webhook_refuses_oversized_bodies(client, read):
    response = client.post("/webhooks/stripe", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                           headers={"Content-Type": "application/json",
                                    "Stripe-Signature": "t=1,v1=00"})
    assert response.status_code == 413
    assert count(read, StripeEvent) == 0


@pytest.mark.parametrize("body", [
    {}, [], "x", 7, None,
    {"id": "evt_m1", "type": "checkout.session.completed"},
    {"id": "evt_m2", "type": "checkout.session.completed", "data": {}},
    {"id": "evt_m3", "type": "charge.refunded", "data": {"object": []}},
    {"id": 5, "type": "charge.refunded", "data": {"object": {}}},
    {"id": "evt_m4", "type": "charge.refunded", "data": {"object": {}}, "account": ["a"]},
    {"id": "evt_m5", "type": "account.updated", "data": {"object": {}}, "created": "soon"},
], ids=lambda body: json.dumps(body)[:40])
def test_signed_but_malformed_events_are_refused(client, fake_stripe, stripe_shop, read, body):
    """Signed by the right secret but not shaped like a Stripe event: 400, nothing stored."""
    response = deliver(client, fake_stripe, body)
    assert response.status_code == 400 and b"malformed event" in response.data
    assert count(read, StripeEvent) == 0


# --- a payment belongs to the Stripe account it was made on (issue 8, item 1) -------------------

NEW_ACCOUNT = "acct_harbornew"


def switch_account(app, make, shop, fake_stripe, account=NEW_ACCOUNT):
    """The operator attaches another Stripe account to the shop (`stripe attach`)."""
    fake_stripe.add_account(account)
    result = app.test_cli_runner().invoke(args=["stripe", "attach", shop.slug, account])
    assert result.exit_code == 0, result.output
    assert f"{account} is attached to {shop.name}" in result.output


def test_an_account_change_closes_the_old_accounts_checkout_and_the_next_pay_uses_the_new(
        app, portal, acme, make, shop, stripe_shop, fake_stripe, read):
    invoice = make.invoice(acme, lines=[("Brakes", 1, 25100)], number="INV-SW1")
    old_session = checkout_id(pay(portal, invoice))
    switch_account(app, make, shop, fake_stripe)
    expired = fake_stripe.requests_to("POST", f"/v1/checkout/sessions/{old_session}/expire")
    assert len(expired) == 1 and expired[0].account == ACCOUNT  # with the old account's header
    assert fake_stripe.sessions[old_session]["status"] == "expired"
    new_session = checkout_id(pay(portal, invoice))
    assert new_session != old_session
    created = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert created.account == NEW_ACCOUNT and NEW_ACCOUNT in created.idempotency_key
    rows = read(lambda: db.session.execute(select(
        Payment.stripe_checkout_session_id, Payment.stripe_account_id, Payment.status)
        .order_by(Payment.id)).all())
    assert [tuple(r) for r in rows] == [(old_session, ACCOUNT, "canceled"),
                                        (new_session, NEW_ACCOUNT, "pending")]
    deliver(portal, fake_stripe, fake_stripe.complete_checkout(new_session, outcome="card"))
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Paid"]


def test_a_checkout_paid_on_the_former_account_is_applied(app, portal, acme, make, shop,
                                                          stripe_shop, fake_stripe, read):
    """The old account could not close the session (Stripe unreachable at that moment): the
    customer pays on it; its event, the return page and the invoice all say Paid."""
    invoice = make.invoice(acme, lines=[("Brakes", 1, 25100)], number="INV-SW2")
    old_session = checkout_id(pay(portal, invoice))
    fake_stripe.fail_next(500, count=10, path_prefix=f"/v1/checkout/sessions/{old_session}")
    switch_account(app, make, shop, fake_stripe)
    fake_stripe.reset_injections()
    assert fake_stripe.sessions[old_session]["status"] == "open"  # still payable
    completed = fake_stripe.complete_checkout(old_session, outcome="card")
    assert completed["account"] == ACCOUNT
    response = deliver(portal, fake_stripe, completed)
    assert response.status_code == 200 and b"paid 1" in response.data
    page = portal.get(f"/payments/return?session_id={old_session}").get_data(as_text=True)
    assert "payment received" in page and "Stripe does not know" not in page
    asked = fake_stripe.requests_to("GET", f"/v1/checkout/sessions/{old_session}")
    assert asked and {r.account for r in asked} == {ACCOUNT}
    assert badges(portal.get(f"/invoices/{invoice.id}")) == ["Paid"]
    assert count(read, OutboundEmail, OutboundEmail.kind == "payment_receipt") == 1


def test_a_bank_payment_in_flight_during_an_account_change_still_settles(
        app, portal, runner, acme, make, shop, stripe_shop, fake_stripe, read):
    first = make.invoice(acme, lines=[("Job", 1, 40000)], number="INV-SW3")
    second = make.invoice(acme, lines=[("Job", 1, 10000)], number="INV-SW4")
    by_webhook = checkout_id(pay(portal, first, "ach"))
    deliver(portal, fake_stripe, fake_stripe.complete_checkout(by_webhook, outcome="ach"))
    by_sync = checkout_id(pay(portal, second, "ach"))
    deliver(portal, fake_stripe, fake_stripe.complete_checkout(by_sync, outcome="ach"))
    switch_account(app, make, shop, fake_stripe)
    assert badges(portal.get(f"/invoices/{first.id}")) == ["Processing"]
    # the former account's webhook arrives days later: it still applies to the shop's payment
    deliver(portal, fake_stripe, fake_stripe.settle_ach(by_webhook, succeeded=True))
    assert badges(portal.get(f"/invoices/{first.id}")) == ["Paid"]
    # a lost webhook: `stripe sync` asks the account the payment was made on
    fake_stripe.settle_ach(by_sync, succeeded=True)
    result = runner.invoke(args=["stripe", "sync"])
    assert result.exit_code == 0 and f"{by_sync}: paid 1" in result.output, result.output
    asked = fake_stripe.requests_to("GET", f"/v1/checkout/sessions/{by_sync}")
    assert asked and {r.account for r in asked} == {ACCOUNT}
    assert badges(portal.get(f"/invoices/{second.id}")) == ["Paid"]


def test_the_same_invoices_on_two_accounts_never_share_an_idempotency_key(
        app, portal, acme, make, shop, stripe_shop, fake_stripe):
    invoice = make.invoice(acme, number="INV-SW5")
    checkout_id(pay(portal, invoice))
    switch_account(app, make, shop, fake_stripe)
    checkout_id(pay(portal, invoice))
    keys = [r.idempotency_key for r in fake_stripe.requests_to("POST", "/v1/checkout/sessions")
            if r.path == "/v1/checkout/sessions"]
    assert len(keys) == 2 and ACCOUNT in keys[0] and NEW_ACCOUNT in keys[1]


# --- ACH failure codes from the charge (issue 8, item 2) ---------------------------------------

@pytest.mark.parametrize("how", ["async_payment_failed", "payment_intent.payment_failed",
                                 "charge.failed"])
def test_a_return_code_only_on_the_charge_still_offers_card(portal, acme, make, stripe_shop,
                                                            fake_stripe, read, how):
    invoice = make.invoice(acme, lines=[("Service", 1, 45000)], number="INV-CHG")
    session_id = checkout_id(pay(portal, invoice, "ach"))
    deliver(portal, fake_stripe, fake_stripe.complete_checkout(session_id, outcome="ach"))
    failed = fake_stripe.settle_ach(session_id, succeeded=False,
                                    failure_code="bank_account_restricted", code_on="charge")
    intent_id = fake_stripe.sessions[session_id]["payment_intent"]
    assert fake_stripe.payment_intents[intent_id]["last_payment_error"]["code"] is None
    if how == "async_payment_failed":
        event = failed
    elif how == "payment_intent.payment_failed":
        event = fake_stripe.event(how, fake_stripe.payment_intents[intent_id], ACCOUNT)
    else:
        event = fake_stripe.event(how, fake_stripe.charge_of(session_id), ACCOUNT)
    assert deliver(portal, fake_stripe, event).status_code == 200
    payment = read(lambda: db.session.scalar(select(Payment)))
    assert (payment.status, payment.failure_code) == ("failed", "bank_account_restricted")
    body = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Your bank can&#39;t be used for bank transfers (ACH)" in body
    assert ">Pay by card instead</button>" in body

