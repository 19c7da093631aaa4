"""Stripe Connect as the platform does it (issue 18, item 7; SECURITY.md 27d; PAYMENTS.md
"Creating the shop's account"): "Set up online payments" creates the shop's account through the
API and sends the Administrator to Stripe's onboarding; no browser route takes an account id;
an operator attaches one with `flask --app wsgi stripe attach`. Against the fake Stripe server,
through the real stripe library."""

from __future__ import annotations

import re
import threading
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import PaymentSettings
from tests.conftest import BASE_URL, wait_for
from tests.factories import PASSWORD
from tests.fakes.test_stripe_server import fetch
from tests.security.helpers import ADMIN_S1, ADMIN_S2, HTMX, build_world, live_tokens, \
    representative_url
from tests.security.test_access_matrix import _rules

SETTINGS = "/staff/settings/payments"
SETUP = "/staff/settings/payments/setup"
RETURN_URL = BASE_URL + "/staff/settings/payments/setup/return"
REFRESH_URL = BASE_URL + "/staff/settings/payments/setup/again"
CONTROLLER = {"stripe_dashboard": {"type": "full"}, "fees": {"payer": "account"},
              "losses": {"payments": "stripe"}, "requirement_collection": "stripe"}
INPUT_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')


@pytest.fixture
def admin_user(make, shop):
    return make.staff(shop, role="admin", email="ava@harbor.example", name="Ava Alvarez")


@pytest.fixture
def admin(app, admin_user):
    client = app.test_client()
    client.login_staff(admin_user.email, PASSWORD)
    return client


def settings_of(read, shop) -> PaymentSettings | None:
    return read(lambda: db.session.get(PaymentSettings, shop.id))


def page_of(client) -> str:
    response = client.get(SETTINGS)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def onboarding_url(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert re.search(r"/onboarding/acct_\w+/link_\w+$", location), location
    return location


def test_set_up_online_payments_creates_the_account_and_onboards_it(
        admin, shop, fake_stripe, read):
    page = page_of(admin)
    assert ">Set up online payments</button>" in page
    assert set(INPUT_NAME.findall(page)) == {"csrf_token", "bank_transfer_enabled"}
    assert "Continue setup" not in page and "Refresh status" not in page

    link = onboarding_url(admin.post_form(SETUP))
    created = fake_stripe.requests_to("POST", "/v1/accounts")
    assert len(created) == 1
    sent = created[0]
    assert sent.account is None  # created on the platform, not inside some account
    assert sent.params["controller"] == CONTROLLER and "type" not in sent.params
    assert (sent.params["email"], sent.params["country"], sent.params["business_profile"]) == (
        "ava@harbor.example", "US", {"name": "Harbor Diesel"})
    assert sent.params["metadata"] == {"shop_id": str(shop.id), "shop_slug": shop.slug}
    assert sent.idempotency_key and f"shop-{shop.id}" in sent.idempotency_key
    (account_id,) = fake_stripe.created_accounts
    # stored on the shop in the same request, with the state Stripe gave at creation
    settings = settings_of(read, shop)
    assert settings.stripe_account_id == account_id
    assert settings.stripe_state == "restricted" and settings.stripe_checked_at is not None
    assert link.startswith(f"{fake_stripe.url}/onboarding/{account_id}/")
    asked = fake_stripe.requests_to("POST", "/v1/account_links")[-1]
    assert asked.params == {"account": account_id, "type": "account_onboarding",
                            "return_url": RETURN_URL, "refresh_url": REFRESH_URL,
                            "collection_options": {"fields": "currently_due"}}

    # Left Stripe half-way: the settings say what Stripe still needs and offer Continue setup.
    page = page_of(admin)
    assert "Restricted: Stripe needs information: business_type, external_account" in page
    assert ">Continue setup</button>" in page and ">Refresh status</button>" in page
    assert "Set up online payments</button>" not in page and account_id in page

    # Continue setup: a new link for the same account, no second account.
    again = onboarding_url(admin.post_form(SETUP))
    assert again != link and len(fake_stripe.requests_to("POST", "/v1/accounts")) == 1

    # On Stripe's page the details are submitted; Stripe sends the browser to the return URL.
    status, _, body = fetch(again)
    assert status == 200 and "Submit details" in body
    status, headers, _ = fetch(again, form={})
    assert (status, headers["Location"]) == (303, RETURN_URL)
    response = admin.get(urlsplit(RETURN_URL).path)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Online payments are set up: Stripe says the account is Active." in body
    assert "Continue setup" not in body and ">Refresh status</button>" in body
    assert fake_stripe.requests_to("GET", f"/v1/accounts/{account_id}")
    settings = settings_of(read, shop)
    assert (settings.stripe_state, settings.stripe_card_active, settings.stripe_ach_active) == (
        "active", True, True)
    # Nothing about the link is kept.
    assert link not in body and again not in body


def test_the_return_url_when_the_person_left_early(admin, shop, fake_stripe, read):
    onboarding_url(admin.post_form(SETUP))
    response = admin.get(urlsplit(RETURN_URL).path, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Back from Stripe. The account is Restricted: what Stripe still needs is below." \
        in body
    assert "Restricted: Stripe needs information: business_type" in body
    assert ">Continue setup</button>" in body


def test_an_expired_link_leads_to_a_new_one(admin, shop, fake_stripe):
    link = onboarding_url(admin.post_form(SETUP))
    assert fetch(link)[0] == 200
    status, headers, _ = fetch(link)  # opened twice (reload, back button): Stripe refuses
    assert (status, headers["Location"]) == (303, REFRESH_URL)
    fresh = onboarding_url(admin.get(urlsplit(REFRESH_URL).path))
    assert fresh != link and fetch(fresh)[0] == 200
    assert len(fake_stripe.created_accounts) == 1


def test_htmx_gets_an_hx_redirect_to_stripe(admin, shop, fake_stripe):
    response = admin.post_form(SETUP, headers=HTMX)
    assert response.status_code == 204
    assert "/onboarding/acct_" in response.headers["HX-Redirect"]


@pytest.mark.parametrize("row_exists", [False, True], ids=["first-visit", "settings-saved"])
def test_a_double_click_or_two_tabs_create_one_account(app, make, shop, admin_user, fake_stripe,
                                                       read, row_exists):
    if row_exists:
        make.payment_settings(shop, bank_transfer_enabled=True)
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        client.login_staff(admin_user.email, PASSWORD)
    tokens = [client.csrf_token() for client in clients]
    fake_stripe.hang_next(0.3, count=2, path_prefix="/v1/accounts")
    results = []

    def click(client, token):
        results.append(client.post(SETUP, data={"csrf_token": token}))

    threads = [threading.Thread(target=click, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [303, 303]
    assert len(fake_stripe.created_accounts) == 1
    (account_id,) = fake_stripe.created_accounts
    assert all(f"/onboarding/{account_id}/" in r.headers["Location"] for r in results)
    keys = {r.idempotency_key for r in fake_stripe.requests_to("POST", "/v1/accounts")}
    assert len(keys) == 1
    assert settings_of(read, shop).stripe_account_id == account_id
    assert settings_of(read, shop).bank_transfer_enabled is row_exists


@pytest.mark.parametrize("failure", ["500", "429", "unreachable"])
def test_stripe_down_says_so_stores_nothing_and_a_retry_works(admin, shop, fake_stripe, read,
                                                              app, failure):
    if failure == "unreachable":
        app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
        app.extensions.pop("stripe_client", None)
    else:
        fake_stripe.fail_next(int(failure), path_prefix="/v1/accounts")
    response = admin.post_form(SETUP)
    assert response.status_code == 303 and response.headers["Location"] == SETTINGS
    page = page_of(admin)
    assert "Stripe could not be reached, so online payments are not set up yet." in page
    assert ">Set up online payments</button>" in page
    settings = settings_of(read, shop)
    assert settings is None or settings.stripe_account_id is None
    assert not fake_stripe.created_accounts

    app.config["STRIPE_API_BASE"] = fake_stripe.url
    app.extensions.pop("stripe_client", None)
    onboarding_url(admin.post_form(SETUP))
    assert len(fake_stripe.created_accounts) == 1


def test_a_timeout_after_stripe_created_the_account_is_retried_with_the_same_key(
        admin, shop, fake_stripe, read):
    """Stripe made the account but the answer came too late: the retry gets the same one."""
    fake_stripe.hang_next(2.5, path_prefix="/v1/accounts")  # STRIPE_TIMEOUT is 2 s in tests
    response = admin.post_form(SETUP)
    assert response.status_code == 303 and response.headers["Location"] == SETTINGS
    assert "Stripe could not be reached" in page_of(admin)
    assert settings_of(read, shop) is None or settings_of(read, shop).stripe_account_id is None
    assert wait_for(lambda: fake_stripe.created_accounts, timeout=5)
    (account_id,) = fake_stripe.created_accounts

    link = onboarding_url(admin.post_form(SETUP))
    assert f"/onboarding/{account_id}/" in link and len(fake_stripe.created_accounts) == 1
    keys = [r.idempotency_key for r in fake_stripe.requests_to("POST", "/v1/accounts")]
    assert len(keys) == 2 and len(set(keys)) == 1
    assert settings_of(read, shop).stripe_account_id == account_id


def test_stripe_refusing_the_account_is_said_in_its_words(admin, shop, fake_stripe, read):
    fake_stripe.fail_next(400, path_prefix="/v1/accounts",
                          message="You can only create new accounts if you've signed up "
                                  "for Connect.")
    response = admin.post_form(SETUP)
    assert response.status_code == 303
    page = page_of(admin)
    assert "Stripe refused the request, so online payments are not set up yet" in page
    assert "signed up for Connect" in page
    assert settings_of(read, shop) is None or settings_of(read, shop).stripe_account_id is None


def test_no_link_keeps_the_created_account_for_continue_setup(admin, shop, fake_stripe, read):
    fake_stripe.fail_next(500, path_prefix="/v1/account_links")
    response = admin.post_form(SETUP)
    assert response.status_code == 303 and response.headers["Location"] == SETTINGS
    (account_id,) = fake_stripe.created_accounts
    assert settings_of(read, shop).stripe_account_id == account_id
    page = page_of(admin)
    assert "Stripe&#39;s setup pages could not be opened" in page
    assert ">Continue setup</button>" in page
    assert f"/onboarding/{account_id}/" in onboarding_url(admin.post_form(SETUP))
    assert len(fake_stripe.requests_to("POST", "/v1/accounts")) == 1


def test_the_return_url_with_stripe_down_shows_the_page_with_the_reason(admin, shop,
                                                                        fake_stripe, read):
    onboarding_url(admin.post_form(SETUP))
    before = settings_of(read, shop)
    fake_stripe.fail_next(500, path_prefix="/v1/accounts/")
    response = admin.get(urlsplit(RETURN_URL).path)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Press Refresh status in a minute." in body and ">Continue setup</button>" in body
    after = settings_of(read, shop)
    assert (after.stripe_account_id, after.stripe_state) == (before.stripe_account_id,
                                                             before.stripe_state)


def test_existing_shops_keep_their_account(admin, make, shop, fake_stripe, read):
    """A shop connected before this change (an id typed then) keeps it: no new account."""
    fake_stripe.add_account("acct_legacy", payouts_enabled=False,
                            disabled_reason="requirements.past_due",
                            currently_due=["external_account"])
    make.payment_settings(shop, stripe_account_id="acct_legacy", stripe_state="payouts_suspended",
                          stripe_disabled_reason="requirements.past_due",
                          stripe_currently_due="external_account")
    page = page_of(admin)
    assert "Payouts suspended" in page and "acct_legacy" in page
    assert ">Continue setup</button>" in page and "Set up online payments</button>" not in page
    link = onboarding_url(admin.post_form(SETUP))
    assert "/onboarding/acct_legacy/" in link and not fake_stripe.created_accounts
    assert settings_of(read, shop).stripe_account_id == "acct_legacy"


@pytest.mark.parametrize("state, due, continue_setup", [
    ("active", None, False),
    ("active", "external_account", True),  # Restricted soon
    ("payouts_suspended", "external_account", True),
    ("pending_verification", None, True),
    ("restricted", "business_type", True),
])
def test_continue_setup_while_stripe_needs_something(admin, make, shop, state, due,
                                                     continue_setup):
    from datetime import datetime, timezone

    make.payment_settings(shop, stripe_account_id="acct_states", stripe_state=state,
                          stripe_currently_due=due,
                          stripe_current_deadline=datetime(2030, 1, 2, tzinfo=timezone.utc)
                          if due else None,
                          stripe_disabled_reason="requirements.pending_verification"
                          if state == "pending_verification" else None)
    page = page_of(admin)
    assert (">Continue setup</button>" in page) is continue_setup
    assert "Set up online payments</button>" not in page
    assert set(INPUT_NAME.findall(page)) == {"csrf_token", "bank_transfer_enabled"}
    if state == "active" and due:
        assert "Restricted soon: Stripe needs external_account" in page
    if state == "pending_verification":  # FAQ troubleshooting 6, as before
        assert "Pending verification: Stripe is verifying your documents" in page


def test_saving_bank_transfer_changes_only_bank_transfer(admin, shop, fake_stripe, read):
    response = admin.post_form(SETTINGS, {"bank_transfer_enabled": "y",
                                          "stripe_account_id": "acct_typed"})
    assert response.status_code == 303
    settings = settings_of(read, shop)
    assert settings.bank_transfer_enabled is True and settings.stripe_account_id is None
    assert not fake_stripe.requests


def test_staff_cannot_set_up_payments(app, make, shop, fake_stripe, read):
    staff = app.test_client()
    staff.login_staff(make.staff(shop, role="staff").email, PASSWORD)
    for headers in ({}, HTMX):
        assert staff.post_form(SETUP, headers=headers).status_code == 403
        assert staff.get(urlsplit(RETURN_URL).path, headers=headers).status_code == 403
        assert staff.get(urlsplit(REFRESH_URL).path, headers=headers).status_code == 403
    assert not fake_stripe.requests and settings_of(read, shop) is None


def test_setup_without_a_csrf_token_is_refused(admin, shop, fake_stripe, read):
    response = admin.post(SETUP)
    assert response.status_code == 400
    assert not fake_stripe.requests and settings_of(read, shop) is None


# --- no browser route accepts an account id (SECURITY.md 27d) --------------------------------

ACCOUNT_FIELDS = ("stripe_account_id", "stripe_account", "account_id", "account", "acct",
                  "connected_account", "stripe_user_id")


@pytest.mark.parametrize("principal", [ADMIN_S1, ADMIN_S2])
def test_no_browser_route_accepts_an_account_id(app, make, fake_stripe, read, principal):
    """Every route of app.url_map, GET with the id in the query string and POST with it in
    every plausible field and the Stripe-Account header: no shop gets the account, and Stripe
    is never asked about it nor for a link to it. S1's account is the prize for S2's
    Administrator; an unclaimed account of the platform for both."""
    world = build_world(app, make)
    fake_stripe.add_account("acct_matrix_s1")
    fake_stripe.add_account("acct_unclaimed")
    targets = ["acct_unclaimed"] + (["acct_matrix_s1"] if principal == ADMIN_S2 else [])
    tokens = live_tokens(app, world)
    client = world.client(principal)
    before = read(lambda: {s.shop_id: (s.stripe_account_id, s.stripe_state) for s in
                           db.session.scalars(select(PaymentSettings)).all()})
    for rule in _rules(app):
        url = representative_url(app, world, rule, tokens)
        for target in targets:
            fields = dict.fromkeys(ACCOUNT_FIELDS, target)
            headers = {"Stripe-Account": target}
            if "GET" in rule.methods:
                response = client.get(url + ("&" if "?" in url else "?") + urlencode(fields),
                                      headers=headers)
                assert response.status_code < 500, (url, response.status_code)
            if "POST" in rule.methods:
                response = client.post(url, headers=headers,
                                       data={**fields, "csrf_token": client.csrf_token(),
                                             "bank_transfer_enabled": "y"})
                assert response.status_code < 500, (url, response.status_code)
    after = read(lambda: {s.shop_id: (s.stripe_account_id, s.stripe_state) for s in
                          db.session.scalars(select(PaymentSettings)).all()})
    assert after[world.s1.id] == before[world.s1.id]
    mine = after.get(world.s2.id, (None,))[0]
    assert mine is None or mine in fake_stripe.created_accounts  # only one made for S2
    for request in fake_stripe.requests:
        said = f"{request.path} {request.params} {request.account}"
        assert not any(target in said for target in targets), said
    for request in fake_stripe.requests_to("POST", "/v1/account_links"):
        own = before.get((world.s1 if principal == ADMIN_S1 else world.s2).id, (None,))[0]
        assert request.params["account"] in {own, *fake_stripe.created_accounts}


# --- the operator's command ----------------------------------------------------------------

def attach(runner, *args):
    return runner.invoke(args=["stripe", "attach", *args])


def test_operator_attaches_an_account_and_its_status_is_read(runner, shop, fake_stripe, read):
    fake_stripe.add_account("acct_owned", charges_enabled=True, payouts_enabled=False,
                            disabled_reason="requirements.pending_verification")
    result = attach(runner, shop.slug, "acct_owned")
    assert result.exit_code == 0, result.output
    assert "acct_owned is attached to Harbor Diesel" in result.output
    assert "Stripe status: Payouts suspended" in result.output
    settings = settings_of(read, shop)
    assert (settings.stripe_account_id, settings.stripe_state) == ("acct_owned",
                                                                  "payouts_suspended")
    # again: nothing changes, the status is read afresh
    fake_stripe.update_account("acct_owned", payouts_enabled=True, disabled_reason=None)
    result = attach(runner, shop.slug, "acct_owned")
    assert result.exit_code == 0 and "Stripe status: Active" in result.output


def test_operator_cannot_attach_another_shops_account(runner, make, shop, fake_stripe, read):
    fake_stripe.add_account("acct_taken")
    other = make.shop("Summit Fleet", slug="summit-fleet")
    make.payment_settings(other, stripe_account_id="acct_taken")
    result = attach(runner, shop.slug, "acct_taken")
    assert result.exit_code != 0
    assert "acct_taken is attached to another shop, Summit Fleet (summit-fleet)" in result.output
    assert settings_of(read, shop) is None
    assert settings_of(read, other).stripe_account_id == "acct_taken"


@pytest.mark.parametrize("slug, account, message", [
    ("harbor", "not-an-id", "is not a Stripe account id"),
    ("harbor", "acct_" + "x" * 60, "is not a Stripe account id"),
    ("no-such-shop", "acct_owned", "No shop with slug no-such-shop"),
    ("harbor", "acct_nobody", "Stripe refused acct_nobody: Stripe does not know this account"),
])
def test_operator_attach_refusals_change_nothing(runner, make, fake_stripe, read, slug, account,
                                                 message):
    shop = make.shop("Harbor Diesel", slug="harbor")
    fake_stripe.add_account("acct_owned")
    result = attach(runner, slug, account)
    assert result.exit_code != 0 and message in result.output, result.output
    assert settings_of(read, shop) is None


def test_operator_attach_with_stripe_unreachable_attaches_and_warns(app, runner, shop, read):
    # no fake_stripe: the app points at an address nothing listens on
    result = attach(runner, shop.slug, "acct_offline")
    assert result.exit_code == 0, result.output
    assert "Warning: Stripe could not be asked" in result.output
    assert "Stripe status: Not connected" in result.output
    settings = settings_of(read, shop)
    assert (settings.stripe_account_id, settings.stripe_state) == ("acct_offline",
                                                                  "not_connected")


def test_operator_attach_replaces_an_account_and_resets_its_status(runner, make, shop,
                                                                   fake_stripe, read):
    fake_stripe.add_account("acct_old")
    fake_stripe.add_account("acct_new", charges_enabled=False, card=False, ach=False,
                            disabled_reason="requirements.past_due",
                            currently_due=["external_account"])
    make.payment_settings(shop, stripe_account_id="acct_old")
    result = attach(runner, shop.slug, "acct_new")
    assert result.exit_code == 0, result.output
    assert "Open checkouts on the former account acct_old" in result.output
    settings = settings_of(read, shop)
    assert (settings.stripe_account_id, settings.stripe_state, settings.stripe_card_active) == (
        "acct_new", "restricted", False)
