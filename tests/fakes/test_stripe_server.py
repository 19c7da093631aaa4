"""The fake Stripe server, driven through the real stripe library (and urllib for its pages)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from tests.fakes.stripe_cli import main
from tests.fakes.stripe_server import FakeStripe

SHOP = "acct_shop"
IN_SHOP = {"stripe_account": SHOP}
SUCCESS_URL = "http://portal.test/payments/return?session_id={CHECKOUT_SESSION_ID}"


def session_params(**overrides):
    params = {
        "mode": "payment",
        "line_items": [
            {"price_data": {"currency": "usd", "unit_amount": 12500,
                            "product_data": {"name": "Invoice 1042"}}, "quantity": 1},
            {"price_data": {"currency": "usd", "unit_amount": 250,
                            "product_data": {"name": "Shop supplies"}}, "quantity": 3},
        ],
        "allowed_payment_method_types": ["card", "us_bank_account"],
        "payment_method_options": {"us_bank_account": {"verification_method": "instant"}},
        "success_url": SUCCESS_URL,
        "cancel_url": "http://portal.test/invoices/1042",
        "metadata": {"invoice_id": "1042", "shop_id": "7"},
        "payment_intent_data": {"metadata": {"invoice_id": "1042", "shop_id": "7"}},
        "client_reference_id": "invoice-1042",
    }
    params.update(overrides)
    return params


@pytest.fixture(autouse=True)
def no_leftover_threads(monkeypatch):
    monkeypatch.setattr(stripe, "enable_telemetry", False)
    before = set(threading.enumerate())
    yield
    assert set(threading.enumerate()) <= before


@pytest.fixture
def fake():
    with FakeStripe(webhook_secret="whsec_test") as server:
        server.add_account(SHOP)
        yield server


@pytest.fixture
def connect(fake):
    """Make StripeClients aimed at the fake; their HTTP sessions are closed afterwards."""
    http_clients = []

    def connect(timeout=5.0, retries=0, api_key="sk_test_fake"):
        http_clients.append(stripe.RequestsClient(timeout=timeout))
        return stripe.StripeClient(api_key, base_addresses={"api": fake.url},
                                   http_client=http_clients[-1], max_network_retries=retries)

    yield connect
    for http_client in http_clients:
        http_client.close()


@pytest.fixture
def client(connect):
    return connect()


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((body, self.headers["Stripe-Signature"],
                                     self.headers["Content-Type"]))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format, *args):
        pass


@pytest.fixture
def receiver():
    """A tiny webhook endpoint that keeps (body, Stripe-Signature, Content-Type)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/stripe"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def fetch(url, form=None):
    """GET (or POST a form) without following redirects: (status, headers, text)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with opener.open(url, data=data, timeout=5) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read().decode()


def test_account_retrieve_update_and_missing(fake, client):
    fake.add_account("acct_late", payouts_enabled=False, disabled_reason="requirements.past_due",
                     currently_due=["external_account"], current_deadline=1_900_000_000, ach=False)
    account = client.v1.accounts.retrieve("acct_late")
    assert (account.id, account.charges_enabled, account.payouts_enabled) == (
        "acct_late", True, False)
    assert account.requirements.to_dict() == {
        "currently_due": ["external_account"], "eventually_due": ["external_account"],
        "past_due": ["external_account"], "disabled_reason": "requirements.past_due",
        "current_deadline": 1_900_000_000}
    assert account.capabilities.to_dict() == {
        "card_payments": "active", "us_bank_account_ach_payments": "inactive"}

    fake.update_account("acct_late", charges_enabled=False)
    account = client.v1.accounts.retrieve("acct_late")
    assert (account.charges_enabled, account.payouts_enabled) == (False, False)
    assert account.requirements.disabled_reason == "requirements.past_due"

    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.accounts.retrieve("acct_nobody")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_wrong_key_and_unknown_connected_account_are_refused(fake, connect):
    with pytest.raises(stripe.AuthenticationError):
        connect(api_key="pk_test_public").v1.accounts.retrieve(SHOP)
    with pytest.raises(stripe.PermissionError):
        connect().v1.checkout.sessions.create(session_params(),
                                              options={"stripe_account": "acct_nobody"})


def test_session_create_records_headers_and_decodes_params(fake, client):
    session = client.v1.checkout.sessions.create(
        session_params(), options={**IN_SHOP, "idempotency_key": "invoice-1042-13250-1"})

    assert session.id.startswith("cs_test_")
    assert session.url == f"{fake.url}/pay/{session.id}"
    assert (session.status, session.payment_status, session.payment_intent) == (
        "open", "unpaid", None)
    assert (session.amount_total, session.currency) == (12500 + 3 * 250, "usd")
    assert session.payment_method_types == ["card", "us_bank_account"]
    assert session.metadata.to_dict() == {"invoice_id": "1042", "shop_id": "7"}
    assert session.client_reference_id == "invoice-1042"
    assert fake.sessions[session.id].account == SHOP

    [request] = fake.requests_to("POST", "/v1/checkout/sessions")
    assert (request.account, request.idempotency_key) == (SHOP, "invoice-1042-13250-1")
    assert request.headers["stripe-account"] == SHOP
    assert request.headers["Authorization"] == "Bearer sk_test_fake"
    assert request.headers["Stripe-Version"] == stripe.api_version
    assert "line_items[1][price_data][unit_amount]=250" in request.body
    params = request.params
    assert params["line_items"][0]["price_data"] == {
        "currency": "usd", "unit_amount": "12500", "product_data": {"name": "Invoice 1042"}}
    assert params["line_items"][1]["quantity"] == "3"
    assert params["allowed_payment_method_types"] == ["card", "us_bank_account"]
    assert params["payment_method_options"] == {
        "us_bank_account": {"verification_method": "instant"}}
    assert params["metadata"] == params["payment_intent_data"]["metadata"] == {
        "invoice_id": "1042", "shop_id": "7"}


def test_only_methods_with_active_capabilities_are_offered(fake, client):
    fake.add_account("acct_cards_only", ach=False)
    session = client.v1.checkout.sessions.create(
        session_params(), options={"stripe_account": "acct_cards_only"})
    assert session.payment_method_types == ["card"]

    fake.update_account("acct_cards_only", card=False)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(
            session_params(), options={"stripe_account": "acct_cards_only"})
    assert refused.value.param == "allowed_payment_method_types"


@pytest.mark.parametrize("missing", ["success_url", "line_items"])
def test_session_without_required_params_is_refused(client, missing):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(session_params(**{missing: None}), options=IN_SHOP)
    assert (refused.value.http_status, refused.value.param) == (400, missing)


def test_same_idempotency_key_replays_and_other_params_are_refused(fake, client):
    options = {**IN_SHOP, "idempotency_key": "invoice-1042-13250-1"}
    first = client.v1.checkout.sessions.create(session_params(), options=options)
    again = client.v1.checkout.sessions.create(session_params(), options=options)

    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert list(fake.sessions) == [first.id]
    assert len(fake.requests_to("POST", "/v1/checkout/sessions")) == 2

    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(session_params(client_reference_id="other"),
                                           options=options)
    assert list(fake.sessions) == [first.id]


def test_injected_errors_become_stripe_exceptions(fake, client, connect):
    fake.fail_next(500)
    with pytest.raises(stripe.APIError):
        client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    fake.fail_next(402, code="card_declined", message="Your card was declined.")
    with pytest.raises(stripe.CardError) as declined:
        client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    assert declined.value.code == "card_declined"
    assert fake.sessions == {}

    fake.fail_next(500)
    session = connect(retries=2).v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    attempts = fake.requests_to("POST", "/v1/checkout/sessions")[-2:]
    assert attempts[0].idempotency_key == attempts[1].idempotency_key
    assert list(fake.sessions) == [session.id]


def test_hang_causes_a_client_timeout(fake, connect):
    fake.hang_next(5)
    with pytest.raises(stripe.APIConnectionError):
        connect(timeout=0.3).v1.accounts.retrieve(SHOP)
    assert connect(timeout=0.3).v1.accounts.retrieve(SHOP).id == SHOP


def test_retry_after_a_timeout_creates_one_session(fake, connect):
    fake.hang_next(5, path_prefix="/v1/checkout/sessions")
    session = connect(timeout=0.3, retries=1).v1.checkout.sessions.create(
        session_params(), options=IN_SHOP)
    assert list(fake.sessions) == [session.id]
    assert len(fake.requests_to("POST", "/v1/checkout/sessions")) == 2


def test_card_payment_completes_session_and_intent(fake, client):
    session = client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    event = fake.complete_checkout(session.id, outcome="card")

    assert (event["type"], event["account"], event["object"]) == (
        "checkout.session.completed", SHOP, "event")
    assert event["data"]["object"]["payment_status"] == "paid"
    session = client.v1.checkout.sessions.retrieve(session.id, options=IN_SHOP)
    assert (session.status, session.payment_status) == ("complete", "paid")
    intent = client.v1.payment_intents.retrieve(session.payment_intent, options=IN_SHOP)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 13250, "usd")
    assert intent.metadata.to_dict() == {"invoice_id": "1042", "shop_id": "7"}
    assert intent.latest_charge.startswith("ch_")
    assert intent.payment_method_types == ["card"]

    with pytest.raises(stripe.InvalidRequestError) as elsewhere:
        client.v1.checkout.sessions.retrieve(session.id)
    assert (elsewhere.value.http_status, elsewhere.value.code) == (404, "resource_missing")
    with pytest.raises(ValueError):
        fake.complete_checkout(session.id)


def test_bank_payment_processes_then_fails_or_clears(fake, client):
    failing = client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    event = fake.complete_checkout(failing.id, outcome="ach")
    assert event["data"]["object"]["payment_status"] == "unpaid"
    intent_id = client.v1.checkout.sessions.retrieve(failing.id, options=IN_SHOP).payment_intent
    assert client.v1.payment_intents.retrieve(intent_id, options=IN_SHOP).status == "processing"

    event = fake.settle_ach(failing.id, succeeded=False, failure_code="bank_account_unusable")
    assert event["type"] == "checkout.session.async_payment_failed"
    intent = client.v1.payment_intents.retrieve(intent_id, options=IN_SHOP)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "bank_account_unusable"
    assert intent.last_payment_error.decline_code is None
    assert client.v1.checkout.sessions.retrieve(
        failing.id, options=IN_SHOP).payment_status == "unpaid"

    clearing = client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    fake.complete_checkout(clearing.id, outcome="ach")
    event = fake.settle_ach(clearing.id)
    assert event["type"] == "checkout.session.async_payment_succeeded"
    clearing = client.v1.checkout.sessions.retrieve(clearing.id, options=IN_SHOP)
    assert clearing.payment_status == "paid"
    assert client.v1.payment_intents.retrieve(
        clearing.payment_intent, options=IN_SHOP).status == "succeeded"


def test_a_bank_return_code_can_live_only_on_the_charge(fake, client):
    session = client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    fake.complete_checkout(session.id, outcome="ach")
    fake.settle_ach(session.id, succeeded=False, failure_code="bank_account_restricted",
                    code_on="charge")
    intent_id = client.v1.checkout.sessions.retrieve(session.id, options=IN_SHOP).payment_intent
    intent = client.v1.payment_intents.retrieve(intent_id, options=IN_SHOP)
    assert intent.last_payment_error.code is None
    charge = client.v1.charges.retrieve(intent.latest_charge, options=IN_SHOP)
    assert (charge.status, charge.failure_code) == ("failed", "bank_account_restricted")
    assert charge.payment_intent == intent_id
    expanded = client.v1.payment_intents.retrieve(
        intent_id, params={"expand": ["latest_charge"]}, options=IN_SHOP)
    assert expanded.latest_charge.failure_code == "bank_account_restricted"
    with pytest.raises(stripe.InvalidRequestError):  # charges live in their account
        client.v1.charges.retrieve(intent.latest_charge)


def test_expire_only_from_open(fake, client):
    session = client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    assert client.v1.checkout.sessions.expire(session.id, options=IN_SHOP).status == "expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id, options=IN_SHOP)
    with pytest.raises(ValueError):
        fake.complete_checkout(session.id)


def test_delivered_event_verifies_with_the_library(fake, client, receiver):
    session = client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    event = fake.complete_checkout(session.id)

    assert fake.deliver(event, url=receiver.url) == (200, "ok")
    [(body, signature, content_type)] = receiver.received
    assert content_type == "application/json"
    verified = stripe.Webhook.construct_event(body, signature, "whsec_test")
    assert (verified.id, verified.type, verified.account) == (
        event["id"], "checkout.session.completed", SHOP)
    assert verified.data.object.id == session.id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, signature, "whsec_other")
    assert fake.deliveries == [("checkout.session.completed", 200)]


def test_hosted_checkout_page_pays_and_redirects(fake, client, receiver):
    fake.webhook_url = receiver.url
    session = client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)

    status, _, page = fetch(session.url)
    assert status == 200
    assert "<title>Fake Stripe Checkout</title>" in page and "132.50 USD" in page
    assert "Pay with card" in page and "Pay with bank account" in page
    assert 'href="http://portal.test/invoices/1042">Cancel' in page

    status, headers, _ = fetch(session.url, {"outcome": "ach"})
    assert status == 303
    assert headers["Location"] == SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}", session.id)
    assert json.loads(receiver.received[0][0])["type"] == "checkout.session.completed"
    assert fake.deliveries == [("checkout.session.completed", 200)]


def test_settle_command_reaches_the_running_fake(fake, client, receiver, capsys):
    fake.webhook_url = receiver.url
    session = client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    fake.complete_checkout(session.id, outcome="ach")

    assert main(["settle", "--url", fake.url, session.id, "--fail", "bank_account_closed"]) == 0
    assert json.loads(capsys.readouterr().out)["event"] == "checkout.session.async_payment_failed"
    intent = fake.payment_intents[fake.sessions[session.id]["payment_intent"]]
    assert intent["last_payment_error"]["code"] == "bank_account_closed"
    assert fake.deliveries == [("checkout.session.async_payment_failed", 200)]
    assert main(["settle", "--url", fake.url, session.id]) == 1


LINK_URLS = {"refresh_url": "http://portal.test/staff/stripe/refresh",
             "return_url": "http://portal.test/staff/stripe/return"}


def test_account_link_leads_to_onboarding_page_once(fake, client):
    link = client.v1.account_links.create({"account": SHOP, "type": "account_onboarding",
                                           **LINK_URLS})
    assert link.url.startswith(f"{fake.url}/onboarding/{SHOP}/link_")
    status, _, page = fetch(link.url)
    assert status == 200 and 'href="http://portal.test/staff/stripe/return"' in page
    # single-use, as Stripe's: opened again, it sends the browser to the refresh URL
    status, headers, _ = fetch(link.url)
    assert (status, headers["Location"]) == (303, LINK_URLS["refresh_url"])
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.account_links.create({"account": "acct_nobody", "type": "account_onboarding",
                                        **LINK_URLS})


CONTROLLER = {"stripe_dashboard": {"type": "full"}, "fees": {"payer": "account"},
              "losses": {"payments": "stripe"}, "requirement_collection": "stripe"}


def test_created_account_needs_onboarding_and_submitting_makes_it_active(fake, client,
                                                                         receiver):
    fake.webhook_url = receiver.url
    params = {"email": "ava@harbor.example", "country": "US", "controller": CONTROLLER,
              "business_profile": {"name": "Harbor Diesel"}, "metadata": {"shop_id": "7"}}
    account = client.v1.accounts.create(params, options={"idempotency_key": "shop-7"})
    assert account.id.startswith("acct_") and account.id in fake.created_accounts
    assert (account.charges_enabled, account.payouts_enabled) == (False, False)
    assert "external_account" in account.requirements.currently_due
    assert account.controller.to_dict() == CONTROLLER and account.email == params["email"]
    assert client.v1.accounts.retrieve(account.id).id == account.id
    # the same key and parameters: the same account (a double click); other parameters: refused
    again = client.v1.accounts.create(params, options={"idempotency_key": "shop-7"})
    assert again.id == account.id and len(fake.created_accounts) == 1
    with pytest.raises(stripe.IdempotencyError):
        client.v1.accounts.create(dict(params, email="eve@evil.example"),
                                  options={"idempotency_key": "shop-7"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.create({"type": "standard", "controller": CONTROLLER})

    link = client.v1.account_links.create({"account": account.id, "type": "account_onboarding",
                                           "collection_options": {"fields": "currently_due"},
                                           **LINK_URLS})
    status, _, page = fetch(link.url)
    assert status == 200 and "external_account" in page and "Submit details" in page
    action = link.url.removeprefix(fake.url)
    status, headers, _ = fetch(fake.url + action, form={})
    assert (status, headers["Location"]) == (303, LINK_URLS["return_url"])
    updated = client.v1.accounts.retrieve(account.id)
    assert (updated.charges_enabled, updated.payouts_enabled) == (True, True)
    assert updated.requirements.currently_due == []
    body, _, _ = receiver.received[-1]
    event = json.loads(body)
    assert (event["type"], event["account"]) == ("account.updated", account.id)
    # the form works once
    assert fetch(fake.url + action, form={})[0] == 400


def test_reset_forgets_everything(fake, client):
    client.v1.checkout.sessions.create(session_params(), options=IN_SHOP)
    fake.fail_next(500)
    fake.reset()
    assert (fake.sessions, fake.requests) == ({}, [])
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.retrieve(SHOP)
