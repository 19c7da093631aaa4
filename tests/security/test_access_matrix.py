"""Access control (SECURITY.md rows 1, 2, 4, 6, 7): every route x every principal.

RULES maps every endpoint of app.url_map (but 'static') to what each principal must get on a
representative URL whose ids belong to shop S1 / customer A1. A new route without a rule fails
test_every_route_has_a_rule and the matrix itself: add its row when you add the route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import Contact, OutboundEmail, Token
from tests.conftest import wait_for
from tests.factories import PASSWORD
from tests.security.helpers import (
    A1,
    ADMIN_S1,
    ADMIN_S2,
    ANON,
    DISABLED,
    HTMX,
    PRINCIPALS,
    STAFF_S1,
    build_world,
    live_tokens,
    representative_url,
)


@dataclass(frozen=True)
class Redirect:
    """A redirect to `path` (exactly, query string aside)."""

    path: str
    status: int = 302
    prefix: bool = False  # the path of a row made by the request: any id after it

    def __str__(self) -> str:
        return f"{self.status} -> {self.path}{'…' if self.prefix else ''}"

    def matches(self, path: str) -> bool:
        return path.startswith(self.path) if self.prefix else path == self.path


OK = 200
NOT_FOUND = 404  # a foreign id: never 403, no existence oracle
FORBIDDEN = 403  # an admin-only action called by Staff
LOGIN = Redirect("/login")  # portal pages send everyone but a customer contact here
STAFF_LOGIN = Redirect("/staff/login")  # console pages send everyone but staff here
HOME = Redirect("/")  # a logged-in customer opening /login
STAFF_HOME = Redirect("/staff/")  # a logged-in staff member opening /staff/login
LOGGED_OUT = Redirect("/login", 303)
STAFF_LOGGED_OUT = Redirect("/staff/login", 303)
DONE = Redirect("/staff/customers/{customer_id}", 303)  # a staff contact action (PRG)
INVOICE_DONE = Redirect("/staff/invoices/{invoice_id}", 303)  # a staff invoice action (PRG)
BAD_REQUEST = 400
SETTINGS_DONE = Redirect("/staff/settings/payments", 303)
ESTIMATE_DONE = Redirect("/staff/estimates/{estimate_id}", 303)  # refused: already sent, not
# approved yet (the flash says why); back on the estimate
REFUSED_FORM = 422  # a POST without its fields: the form comes back with its errors


def row(*cells) -> dict:
    assert len(cells) == len(PRINCIPALS)
    return dict(zip(PRINCIPALS, cells))


# Columns: anonymous, A1, A2, B, Staff S1, Admin S1, Admin S2, disabled user, removed contact's user
PORTAL_PAGE = row(LOGIN, OK, OK, OK, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)
PUBLIC_PAGE = row(OK, OK, OK, OK, OK, OK, OK, OK, OK)
STAFF_SHOP_PAGE = row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, OK, OK, OK,
                      STAFF_LOGIN, STAFF_LOGIN)
STAFF_S1_OBJECT = row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, OK, OK, NOT_FOUND,
                      STAFF_LOGIN, STAFF_LOGIN)
PORTAL_A1_OBJECT = row(LOGIN, OK, NOT_FOUND, NOT_FOUND, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)
ASSET_DONE = Redirect("/assets/{asset_id}", 303)
PORTAL_A1_ASSET_ACTION = row(LOGIN, ASSET_DONE, NOT_FOUND, NOT_FOUND, LOGIN, LOGIN, LOGIN, LOGIN,
                             LOGIN)
DRAFT_SAVED = Redirect("/requests/new", 303)
ACCOUNT_DONE = Redirect("/account", 303)
STAFF_ASSET_DONE = Redirect("/staff/assets/{asset_id}", 303)
STAFF_WORK_ORDER_DONE = Redirect("/staff/work-orders/{work_order_id}", 303)
STAFF_S1_ASSET_ACTION = row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_ASSET_DONE,
                            STAFF_ASSET_DONE, NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN)
STAFF_S1_FORM_ACTION = row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, REFUSED_FORM,
                           REFUSED_FORM, NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN)
PORTAL_A1_FORM_ACTION = row(LOGIN, REFUSED_FORM, NOT_FOUND, NOT_FOUND, LOGIN, LOGIN, LOGIN,
                            LOGIN, LOGIN)
PORTAL_A1_POST_PAGE = row(LOGIN, OK, NOT_FOUND, NOT_FOUND, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)
STAFF_S1_ESTIMATE_ACTION = row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, ESTIMATE_DONE,
                               ESTIMATE_DONE, NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN)
STAFF_S1_ACTION = row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, DONE, DONE, NOT_FOUND,
                      STAFF_LOGIN, STAFF_LOGIN)

ADMIN_PAGE = row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN, OK, OK,
                 STAFF_LOGIN, STAFF_LOGIN)
USERS_DONE = Redirect("/staff/users", 303)
ADMIN_S1_USER_ACTION = row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,
                           USERS_DONE, NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN)

RULES: dict[str, dict] = {
    # portal sign-in
    "auth.login": row(OK, HOME, HOME, HOME, OK, OK, OK, OK, OK),
    "auth.logout": row(*[LOGGED_OUT] * len(PRINCIPALS)),
    "auth.forgot_password": PUBLIC_PAGE,
    "auth.accept_invitation": PUBLIC_PAGE,  # a live invitation of a contact of A1
    "auth.reset_password": PUBLIC_PAGE,  # a live reset link of A1's login
    "auth.accounts": PORTAL_PAGE,
    # the person's account page (issue 19): a logged-in customer contact's own; in preview a 404
    "account.index": PORTAL_PAGE,
    "account.change_password": row(LOGIN, REFUSED_FORM, REFUSED_FORM, REFUSED_FORM, LOGIN,
                                   LOGIN, LOGIN, LOGIN, LOGIN),  # no fields: the form's errors
    "account.end_other_sessions": row(LOGIN, *[ACCOUNT_DONE] * 3, LOGIN, LOGIN, LOGIN, LOGIN,
                                      LOGIN),
    "account.save_notifications": row(LOGIN, *[ACCOUNT_DONE] * 3, LOGIN, LOGIN, LOGIN, LOGIN,
                                      LOGIN),
    # a1's session in another browser: ended by a1; another person's session id is a 404
    "account.end_one_session": row(LOGIN, ACCOUNT_DONE, NOT_FOUND, NOT_FOUND, LOGIN, LOGIN,
                                   LOGIN, LOGIN, LOGIN),
    # portal
    "dashboard.index": PORTAL_PAGE,
    "assets.index": PORTAL_PAGE,
    "assets.new": PORTAL_PAGE,
    "assets.locations": PORTAL_PAGE,
    "assets.detail": PORTAL_A1_OBJECT,
    # photos and files (issue 21): a file answers as its document does
    "assets.file_view": PORTAL_A1_OBJECT,
    "assets.file_thumb": PORTAL_A1_OBJECT,
    "requests.file_view": PORTAL_A1_OBJECT,
    "requests.file_thumb": PORTAL_A1_OBJECT,
    "estimates.file_view": PORTAL_A1_OBJECT,
    "estimates.file_thumb": PORTAL_A1_OBJECT,
    "work_orders.file_view": PORTAL_A1_OBJECT,
    "work_orders.file_thumb": PORTAL_A1_OBJECT,
    "requests.draft_file": PORTAL_A1_OBJECT,  # a photo on A1's unfinished request form
    "requests.draft_thumb": PORTAL_A1_OBJECT,
    "requests.draft_file_remove": row(LOGIN, DRAFT_SAVED, NOT_FOUND, NOT_FOUND, LOGIN, LOGIN,
                                      LOGIN, LOGIN, LOGIN),
    "assets.add_files": PORTAL_A1_FORM_ACTION,  # no file posted: the field's message
    "assets.remove_file": PORTAL_A1_ASSET_ACTION,
    "assets.edit": PORTAL_A1_OBJECT,
    "assets.archive": PORTAL_A1_ASSET_ACTION,
    "assets.restore": PORTAL_A1_ASSET_ACTION,
    "requests.index": PORTAL_PAGE,
    "requests.new": PORTAL_PAGE,
    "requests.save_draft": row(LOGIN, DRAFT_SAVED, DRAFT_SAVED, DRAFT_SAVED, LOGIN, LOGIN, LOGIN,
                               LOGIN, LOGIN),
    "requests.detail": PORTAL_A1_OBJECT,
    "requests.comment": row(LOGIN, REFUSED_FORM, NOT_FOUND, NOT_FOUND, LOGIN, LOGIN, LOGIN,
                            LOGIN, LOGIN),
    # staff console
    "staff.login": row(OK, OK, OK, OK, STAFF_HOME, STAFF_HOME, STAFF_HOME, OK, OK),
    "staff.auth.forgot_password": PUBLIC_PAGE,  # the console's Forgot password?
    "staff.auth.reset_password": PUBLIC_PAGE,  # a live reset link of a Staff member of S1
    "staff.logout": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGGED_OUT,
                        STAFF_LOGGED_OUT, STAFF_LOGGED_OUT, STAFF_LOGIN, STAFF_LOGIN),
    "staff.dashboard": STAFF_SHOP_PAGE,
    "staff.customers": STAFF_SHOP_PAGE,
    "staff.new_customer": STAFF_SHOP_PAGE,
    "staff.email_log": STAFF_SHOP_PAGE,
    "staff.customer": STAFF_S1_OBJECT,
    "staff.edit_customer": STAFF_S1_OBJECT,
    "staff.new_contact": STAFF_S1_OBJECT,
    "staff.edit_contact": STAFF_S1_OBJECT,
    "staff.new_location": STAFF_S1_OBJECT,
    "staff.edit_location": STAFF_S1_OBJECT,
    "staff.invite_contact": STAFF_S1_ACTION,
    "staff.reset_contact_password": STAFF_S1_ACTION,
    "staff.enable_contact": STAFF_S1_ACTION,
    "staff.disable_contact": STAFF_S1_ACTION,
    "staff.remove_contact": STAFF_S1_ACTION,
    # invoices and payments (portal)
    "invoices.index": PORTAL_PAGE,
    "invoices.export": PORTAL_PAGE,  # the customer's own invoices as CSV (issue 20 item 4)
    "invoices.detail": PORTAL_A1_OBJECT,
    "invoices.print_view": PORTAL_A1_OBJECT,
    "invoices.pdf_view": PORTAL_A1_OBJECT,
    "payments.pay_invoice": row(LOGIN, Redirect("/invoices/{invoice_id}", 303), NOT_FOUND,
                                NOT_FOUND, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "payments.pay_many": row(LOGIN, *[Redirect("/invoices", 303)] * 3, LOGIN, LOGIN, LOGIN,
                             LOGIN, LOGIN),
    "payments.checkout_return": PORTAL_A1_OBJECT,  # A1's session; Stripe unreachable: 200
    "payments.checkout_cancel": PORTAL_A1_OBJECT,
    # payment history and receipts (issue 20): a succeeded payment of A1, recorded by staff
    "payments.index": PORTAL_PAGE,
    "payments.export": PORTAL_PAGE,
    "payments.receipt": PORTAL_A1_OBJECT,
    "payments.receipt_print": PORTAL_A1_OBJECT,
    "payments.receipt_pdf": PORTAL_A1_OBJECT,
    "staff.payments.index": STAFF_SHOP_PAGE,
    "staff.payments.export": STAFF_SHOP_PAGE,
    "staff.payments.receipt": STAFF_S1_OBJECT,
    "staff.payments.receipt_print": STAFF_S1_OBJECT,
    "staff.payments.receipt_pdf": STAFF_S1_OBJECT,
    "webhooks.stripe_events": row(*[BAD_REQUEST] * len(PRINCIPALS)),  # unsigned: refused
    "probes.healthz": PUBLIC_PAGE,  # the host's health check: no login
    # invoices (console)
    "staff.invoices.index": STAFF_SHOP_PAGE,
    "staff.invoices.export": STAFF_SHOP_PAGE,  # the shop's invoices as CSV
    "staff.invoices.new": STAFF_SHOP_PAGE,
    "staff.invoices.detail": STAFF_S1_OBJECT,
    "staff.invoices.print_view": STAFF_S1_OBJECT,
    "staff.invoices.pdf_view": STAFF_S1_OBJECT,
    "staff.invoices.edit": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, INVOICE_DONE,
                              INVOICE_DONE, NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN),  # not a draft
    "staff.invoices.issue": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, INVOICE_DONE,
                               INVOICE_DONE, NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN),
    "staff.invoices.record_payment": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
                                REFUSED_FORM, REFUSED_FORM, NOT_FOUND, STAFF_LOGIN,
                                STAFF_LOGIN),
    "staff.invoices.delete_draft": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
                                       INVOICE_DONE, INVOICE_DONE, NOT_FOUND, STAFF_LOGIN,
                                       STAFF_LOGIN),  # issued: refused, back to it
    "staff.invoices.void": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, INVOICE_DONE,
                              INVOICE_DONE, NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN),
    # portal settings (Administrators only)
    "staff.payment_settings_page": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
                                       FORBIDDEN, OK, OK, STAFF_LOGIN, STAFF_LOGIN),
    "staff.refresh_stripe_status": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
                                       FORBIDDEN, SETTINGS_DONE, SETTINGS_DONE, STAFF_LOGIN,
                                       STAFF_LOGIN),
    # Set up online payments: S1's account is Active (nothing to do), S2 has none and Stripe is
    # unreachable here: back to the settings with the reason, either way
    "staff.stripe_setup": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,
                              SETTINGS_DONE, SETTINGS_DONE, STAFF_LOGIN, STAFF_LOGIN),
    "staff.stripe_setup_again": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
                                    FORBIDDEN, SETTINGS_DONE, SETTINGS_DONE, STAFF_LOGIN,
                                    STAFF_LOGIN),  # Stripe's refresh URL: no link made here
    "staff.stripe_setup_return": ADMIN_PAGE,  # Stripe's return URL: the settings page
    "staff.assets.index": STAFF_S1_OBJECT,
    "staff.assets.new": STAFF_S1_OBJECT,
    "staff.assets.detail": STAFF_S1_OBJECT,
    "staff.assets.file_view": STAFF_S1_OBJECT,
    "staff.assets.file_thumb": STAFF_S1_OBJECT,
    "staff.requests.file_view": STAFF_S1_OBJECT,
    "staff.requests.file_thumb": STAFF_S1_OBJECT,
    "staff.estimates.file_view": STAFF_S1_OBJECT,
    "staff.estimates.file_thumb": STAFF_S1_OBJECT,
    "staff.work_orders.file_view": STAFF_S1_OBJECT,
    "staff.work_orders.file_thumb": STAFF_S1_OBJECT,
    "staff.assets.add_files": STAFF_S1_FORM_ACTION,  # no file posted: the field's message
    "staff.assets.remove_file": STAFF_S1_ASSET_ACTION,
    "staff.estimates.remove_file": STAFF_S1_ESTIMATE_ACTION,
    "staff.work_orders.add_files": STAFF_S1_FORM_ACTION,
    "staff.work_orders.remove_file": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
                                         STAFF_WORK_ORDER_DONE, STAFF_WORK_ORDER_DONE, NOT_FOUND,
                                         STAFF_LOGIN, STAFF_LOGIN),
    "staff.assets.edit": STAFF_S1_OBJECT,
    "staff.assets.archive": STAFF_S1_ASSET_ACTION,
    "staff.assets.restore": STAFF_S1_ASSET_ACTION,
    "staff.requests.index": STAFF_SHOP_PAGE,
    "staff.requests.detail": STAFF_S1_OBJECT,
    "staff.requests.schedule": STAFF_S1_FORM_ACTION,
    "staff.requests.convert": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
                                 *[Redirect("/staff/work-orders/", 303, prefix=True)] * 2,
                                 NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN),  # opens a work order
    "staff.requests.close": STAFF_S1_FORM_ACTION,
    "staff.requests.comment": STAFF_S1_FORM_ACTION,
    # estimates and work orders (portal); the POSTs carry no fields: the forms come back
    "estimates.index": PORTAL_PAGE,
    "estimates.detail": PORTAL_A1_OBJECT,
    "estimates.print_view": PORTAL_A1_OBJECT,
    "estimates.pdf_view": PORTAL_A1_OBJECT,
    "estimates.total": PORTAL_A1_POST_PAGE,  # "Update total" without JavaScript: the page
    "estimates.decision": PORTAL_A1_FORM_ACTION,  # no version, no name: 422
    "estimates.comment": PORTAL_A1_FORM_ACTION,
    "work_orders.index": PORTAL_PAGE,
    "work_orders.detail": PORTAL_A1_OBJECT,
    "work_orders.print_view": PORTAL_A1_OBJECT,
    "work_orders.pdf_view": PORTAL_A1_OBJECT,
    "work_orders.total": PORTAL_A1_POST_PAGE,
    "work_orders.decision": PORTAL_A1_FORM_ACTION,
    "work_orders.comment": PORTAL_A1_FORM_ACTION,
    # estimates and work orders (console): Staff and Administrators alike
    "staff.estimates.index": STAFF_SHOP_PAGE,
    "staff.estimates.new": STAFF_SHOP_PAGE,
    "staff.estimates.detail": STAFF_S1_OBJECT,
    "staff.estimates.edit": STAFF_S1_OBJECT,  # a sent estimate: editing makes a new version
    "staff.estimates.print_view": STAFF_S1_OBJECT,
    "staff.estimates.pdf_view": STAFF_S1_OBJECT,
    "staff.estimates.send": STAFF_S1_ESTIMATE_ACTION,  # sent already: refused, back to it
    "staff.estimates.convert": STAFF_S1_ESTIMATE_ACTION,  # not approved yet: refused
    "staff.estimates.comment": STAFF_S1_FORM_ACTION,
    "staff.estimates.delete_draft": STAFF_S1_ESTIMATE_ACTION,  # sent: refused, back to it
    "staff.work_orders.index": STAFF_SHOP_PAGE,
    "staff.work_orders.detail": STAFF_S1_OBJECT,
    "staff.work_orders.edit": STAFF_S1_OBJECT,
    "staff.work_orders.print_view": STAFF_S1_OBJECT,
    "staff.work_orders.pdf_view": STAFF_S1_OBJECT,
    "staff.work_orders.request_approval": STAFF_S1_OBJECT,
    "staff.work_orders.change_status": STAFF_S1_FORM_ACTION,
    "staff.work_orders.create_invoice": row(  # a draft invoice, the same one the second time
        STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
        *[Redirect("/staff/invoices/", 303, prefix=True)] * 2, NOT_FOUND, STAFF_LOGIN,
        STAFF_LOGIN),
    "staff.work_orders.comment": STAFF_S1_FORM_ACTION,
    "staff.contact": STAFF_S1_OBJECT,
    # the staff inbox: the shop's items; Mark handled on another shop's item is a 404
    "staff.inbox.index": STAFF_SHOP_PAGE,
    "staff.inbox.handle": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
                              *[Redirect("/staff/inbox", 303)] * 2, NOT_FOUND, STAFF_LOGIN,
                              STAFF_LOGIN),
    # invoices have a thread too (posted without a body: the form comes back)
    "invoices.comment": PORTAL_A1_FORM_ACTION,
    "staff.invoices.comment": STAFF_S1_FORM_ACTION,
    # running the portal (issue 10): Administrators only, but the health page
    "admin.settings": ADMIN_PAGE,
    "admin.users": ADMIN_PAGE,
    "admin.audit_log": ADMIN_PAGE,
    "admin.preview": ADMIN_PAGE,
    "admin.health": STAFF_SHOP_PAGE,
    "admin.invite_staff": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,
                              REFUSED_FORM, REFUSED_FORM, STAFF_LOGIN, STAFF_LOGIN),
    "admin.change_role": ADMIN_S1_USER_ACTION,
    "admin.deactivate_staff": ADMIN_S1_USER_ACTION,
    "admin.reactivate_staff": ADMIN_S1_USER_ACTION,
    "admin.resend_staff_invitation": ADMIN_S1_USER_ACTION,
    "admin.start_preview": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,
                               Redirect("/", 303), NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN),
    "admin.end_preview": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
                             *[Redirect("/staff/preview", 303)] * 3, STAFF_LOGIN, STAFF_LOGIN),
    "admin.accept_staff_invitation": PUBLIC_PAGE,  # a live invitation of a Staff member of S1
    # CSV import (issue 20 item 5): Administrators only; S1's upload is a 404 in S2. Import
    # imports S1's upload (back on its page); Invite imported contacts before it: back there too
    "admin.imports.index": ADMIN_PAGE,
    "admin.imports.template": ADMIN_PAGE,
    "admin.imports.preview": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,
                                 OK, NOT_FOUND, STAFF_LOGIN, STAFF_LOGIN),
    "admin.imports.run": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,
                             Redirect("/staff/import/", 303, prefix=True), NOT_FOUND,
                             STAFF_LOGIN, STAFF_LOGIN),
    "admin.imports.invite": row(STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,
                                Redirect("/staff/import/", 303, prefix=True), NOT_FOUND,
                                STAFF_LOGIN, STAFF_LOGIN),
    "support.help": PUBLIC_PAGE,
    "support.logo": PUBLIC_PAGE,  # S1's logo: public branding
    # the statement of account (issue 20): the portal's is the logged-in customer's own (no id
    # to name another); the console's names a customer of the shop, another shop's is a 404
    "statements.statement": PORTAL_PAGE,
    "statements.pdf": PORTAL_PAGE,
    "statements.csv": PORTAL_PAGE,
    "staff.statements.statement": STAFF_S1_OBJECT,
    "staff.statements.pdf": STAFF_S1_OBJECT,
    "staff.statements.csv": STAFF_S1_OBJECT,
    "staff.statements.email": row(  # A1 has no billing contact: the page says so
        STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN,
        *[Redirect("/staff/customers/{customer_id}/statement", 303)] * 2, NOT_FOUND,
        STAFF_LOGIN, STAFF_LOGIN),
}

# POST-only routes change state: run them in this order (remove and the logouts last), so
# each one still finds what it acts on and the principal still logged in.
POST_ORDER = {"staff.invoices.void": 1, "staff.remove_contact": 1, "admin.start_preview": 1,
              # a removed photo is gone for the routes after it: remove after serving it
              # (and before an admin's preview, which refuses every portal POST)
              "requests.draft_file_remove": 0.5, "assets.remove_file": 0.5,
              "staff.assets.remove_file": 0.5, "staff.estimates.remove_file": 0.5,
              "staff.work_orders.remove_file": 0.5,
              "staff.logout": 2,
              "auth.logout": 3}


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"),
                  key=lambda r: (POST_ORDER.get(r.endpoint, 0), r.endpoint))


def _check(response, expected, world, *, htmx: bool = False) -> str | None:
    """Return why the response does not match the expectation, or None."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if isinstance(expected, int):
        return None if status == expected else f"got {status} {location}, want {expected}"
    path = expected.path.format(customer_id=world.customer_a1.id, asset_id=world.asset_a1.id,
                                invoice_id=world.invoice_a1.id,
                                estimate_id=world.estimate_a1.id,
                                work_order_id=world.work_order_a1.id)
    if htmx and expected.status == 302 and path in ("/login", "/staff/login"):
        # Access is refused either way; that htmx gets 401 + HX-Redirect rather than a 302
        # (which fetch() would follow into a fragment) is test_htmx_login_redirects' job.
        target = urlsplit(response.headers.get("HX-Redirect", "")).path
        if status == 401 and target == path:
            return None
    expected = Redirect(path, expected.status, expected.prefix)
    if htmx and expected.status == 303 and status == 204:
        # see_other(): htmx gets 204 + HX-Redirect where a plain form gets 303.
        if expected.matches(urlsplit(response.headers.get("HX-Redirect", "")).path):
            return None
    if status == expected.status and expected.matches(urlsplit(location).path):
        return None
    return f"got {status} {location!r}, want {expected}"


def test_every_route_has_a_rule(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()} - {"static"}
    missing = sorted(endpoints - RULES.keys())
    assert not missing, f"routes without a rule in the access matrix: {missing}"
    stale = sorted(RULES.keys() - endpoints)
    assert not stale, f"rules for routes that no longer exist: {stale}"
    for endpoint, expected in RULES.items():
        assert set(expected) == set(PRINCIPALS), endpoint


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_access_matrix(app, make, principal):
    """Row 1 (and 4): every route x this principal gets the expected status."""
    world = build_world(app, make)
    tokens = live_tokens(app, world)
    client = world.client(principal)
    failures = []
    for rule in _rules(app):
        expected = RULES.get(rule.endpoint)
        if expected is None:
            failures.append(f"{rule.endpoint}: no rule in RULES")
            continue
        url = representative_url(app, world, rule, tokens)
        if "GET" in rule.methods:
            for htmx in (False, True):
                response = client.get(url, headers=HTMX if htmx else {})
                problem = _check(response, expected[principal], world, htmx=htmx)
                if problem:
                    failures.append(f"GET {url}{' (htmx)' if htmx else ''}: {problem}")
        else:
            assert "POST" in rule.methods, rule
            response = client.post(url, data={"csrf_token": client.csrf_token()})
            problem = _check(response, expected[principal], world)
            if problem:
                failures.append(f"POST {url}: {problem}")
    assert not failures, f"{principal}:\n" + "\n".join(failures)


@pytest.mark.parametrize("principal", [ANON, STAFF_S1, A1, DISABLED])
def test_htmx_login_redirects(app, make, principal):
    """An htmx request to a page the principal may not see gets 401 with HX-Redirect to the
    right login page, never a 302 that fetch() would follow and swap into a fragment."""
    world = build_world(app, make)
    client = world.client(principal)
    tokens = {"auth.accept_invitation": "x", "auth.reset_password": "x",
              "admin.accept_staff_invitation": "x", "staff.auth.reset_password": "x"}
    failures = []
    for rule in _rules(app):
        expected = RULES[rule.endpoint][principal]
        if "GET" not in rule.methods or not isinstance(expected, Redirect) or \
                expected.path not in ("/login", "/staff/login"):
            continue
        url = representative_url(app, world, rule, tokens)
        response = client.get(url, headers=HTMX)
        target = response.headers.get("HX-Redirect", "")
        if response.status_code != 401 or urlsplit(target).path != expected.path:
            failures.append(f"GET {url}: got {response.status_code} HX-Redirect={target!r}, "
                            f"want 401 with HX-Redirect to {expected.path}")
    assert not failures, "\n".join(failures)


def _count(read, model, *where):
    return read(lambda: db.session.scalar(select(func.count()).select_from(model).where(*where)))


def test_customer_cannot_act_for_another_customers_contact(app, make, read):
    """Row 2: A1 picking A2's or B's contact as the active account gets 404."""
    world = build_world(app, make)
    client = world.client(A1)
    for foreign in (world.a2, world.b):
        for headers in ({}, HTMX):
            response = client.post_form("/accounts", {"contact_id": foreign.id},
                                        headers=headers)
            assert response.status_code == 404, (foreign.email, headers)
    page = client.get("/").get_data(as_text=True)
    assert "Acme Logistics" in page
    assert "Birch Construction" not in page and "Cedar Haulage" not in page
    assert client.post_form("/accounts", {"contact_id": world.a1.id}).status_code == 303


S1_OBJECT_GETS = ("/staff/customers/{customer}", "/staff/customers/{customer}/edit",
                  "/staff/customers/{customer}/contacts/new", "/staff/contacts/{contact}/edit",
                  "/staff/customers/{customer}/locations/new", "/staff/locations/{location}/edit")
S1_OBJECT_POSTS = ("/staff/customers/{customer}/edit", "/staff/customers/{customer}/contacts/new",
                   "/staff/contacts/{contact}/edit", "/staff/customers/{customer}/locations/new",
                   "/staff/locations/{location}/edit", "/staff/contacts/{contact}/invite",
                   "/staff/contacts/{contact}/password-reset",
                   "/staff/contacts/{contact}/disable", "/staff/contacts/{contact}/enable",
                   "/staff/contacts/{contact}/remove")


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_admin_of_one_shop_gets_404_on_another_shops_data(app, make, read, mailbox, headers):
    """Row 4: Admin of S1 acting on S2's customer, contact and location: 404, nothing changes."""
    world = build_world(app, make)
    client = world.client(ADMIN_S1)
    ids = {"customer": world.customer_b.id, "contact": world.b.id,
           "location": world.s2_location.id}
    for template in S1_OBJECT_GETS:
        url = template.format(**ids)
        assert client.get(url, headers=headers).status_code == 404, url
    valid = {"name": "Hijacked", "email": "evil@attacker.example", "address": "x",
             "account_number": "X-1", "send_invitation": "y"}
    for template in S1_OBJECT_POSTS:
        url = template.format(**ids)
        response = client.post_form(url, valid, headers=headers)
        assert response.status_code == 404, url
    b = read(lambda: db.session.get(Contact, world.b.id))
    assert b is not None and b.name == "Bea Bee" and b.email == "b@cedar.example"
    assert not b.portal_disabled and b.portal_state == "active"
    assert read(lambda: db.session.scalar(
        select(func.count()).select_from(Contact).where(Contact.customer_id == world.customer_b.id)
    )) == 1
    assert _count(read, OutboundEmail) == 0 and _count(read, Token) == 0
    assert mailbox.messages == []


def test_staff_gets_403_on_admin_only_actions(app, make, read):
    """Row 4: every route where Staff and Admin of S1 differ is called as Staff, GET and POST,
    plain and htmx: each answers 403 and changes nothing."""
    from tests.security.test_csrf_headers import _snapshot

    admin_only = sorted(e for e, expected in RULES.items()
                        if expected[STAFF_S1] != expected[ADMIN_S1])
    assert {"admin.settings", "admin.users", "admin.change_role", "admin.start_preview",
            "staff.payment_settings_page"} <= set(admin_only)
    world = build_world(app, make)
    staff = world.client(STAFF_S1)
    tokens = live_tokens(app, world)
    before = _snapshot(read)
    failures = []
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for endpoint in admin_only:
        assert RULES[endpoint][STAFF_S1] == FORBIDDEN, endpoint
        assert RULES[endpoint][ADMIN_S2] in (NOT_FOUND, RULES[endpoint][ADMIN_S1]), endpoint
        rule = rules[endpoint]
        url = representative_url(app, world, rule, tokens)
        for headers in ({}, HTMX):
            if "GET" in rule.methods:
                response = staff.get(url, headers=headers)
            else:
                response = staff.post(url, headers=headers, data={
                    "csrf_token": staff.csrf_token(), "role": "admin", "name": "Eve",
                    "email": "eve@evil.example", "brand_color": "#000000",
                    "timezone": "UTC", "stripe_account_id": "acct_evil"})
            if response.status_code != 403:
                failures.append(f"{sorted(rule.methods & {'GET', 'POST'})} {url} "
                                f"{headers or ''}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert _snapshot(read) == before


def _customer_ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/staff/customers/(\d+)"', html)}


def test_two_shops_sharing_names_only_see_their_own_rows(app, make, read, mailbox):
    """Row 6: lists, search and the email log return only the caller's shop's rows."""
    s1, s2 = make.shop("Harbor Diesel"), make.shop("Summit Fleet")
    mine = make.customer(s1, "Acme Logistics", account_number="ACME-1")
    theirs = make.customer(s2, "Acme Logistics", account_number="ACME-1")
    my_contact = make.contact(mine, email="dana@acme.example", name="Dana Ortiz")
    their_contact = make.contact(theirs, email="dana@acme.example", name="Dana Ortiz")
    mine_staff, their_staff = make.staff(s1), make.staff(s2)
    me = app.test_client()
    me.login_staff(mine_staff.email, PASSWORD)
    other = app.test_client()
    other.login_staff(their_staff.email, PASSWORD)

    for query in ("", "?q=acme", "?q=ACME-1", "?q=dana@acme.example", "?q=Dana+Ortiz",
                  "?q=%25", "?q=_"):
        for headers in ({}, HTMX):
            html = me.get(f"/staff/customers{query}", headers=headers).get_data(as_text=True)
            assert _customer_ids(html) <= {mine.id}, (query, headers)
            assert theirs.id not in _customer_ids(html)
            if query in ("", "?q=acme", "?q=ACME-1", "?q=dana@acme.example"):
                assert _customer_ids(html) == {mine.id}, (query, headers)
            html = other.get(f"/staff/customers{query}", headers=headers).get_data(as_text=True)
            assert mine.id not in _customer_ids(html), (query, headers)

    assert me.post_form(f"/staff/contacts/{my_contact.id}/invite").status_code == 303
    assert other.post_form(f"/staff/contacts/{their_contact.id}/invite").status_code == 303
    wait_for(lambda: len(mailbox.to("dana@acme.example")) == 2)
    my_ids = read(lambda: db.session.scalars(
        select(OutboundEmail.id).where(OutboundEmail.shop_id == s1.id)).all())
    their_ids = read(lambda: db.session.scalars(
        select(OutboundEmail.id).where(OutboundEmail.shop_id == s2.id)).all())
    assert len(my_ids) == 1 and len(their_ids) == 1
    for url, headers in (("/staff/email-log", {}), ("/staff/email-log?domain=acme.example", HTMX),
                         ("/staff/email-log?status=sent", {})):
        log = me.get(url, headers=headers).get_data(as_text=True)
        assert log.count("<td>dana@acme.example</td>") == 1, url


@pytest.mark.parametrize("how", ["disable", "remove"])
def test_disabled_or_removed_users_live_session_ends_on_next_request(app, make, how):
    """Row 7: staff disable (or remove) a contact while its user is logged in."""
    world = build_world(app, make)
    customer = world.client(A1)
    assert customer.get("/").status_code == 200
    staff = world.client(STAFF_S1)
    assert staff.post_form(f"/staff/contacts/{world.a1.id}/{how}").status_code == 303
    response = customer.get("/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    response = customer.get("/", headers=HTMX)
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")
    response = customer.post_form("/accounts", {"contact_id": world.a1.id})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # and the password no longer opens the account
    fresh = app.test_client()
    response = fresh.post_form("/login", {"email": world.a1.email, "password": PASSWORD})
    assert response.status_code == 422


def test_disabling_the_chosen_account_never_leaves_it_in_use(app, make, read):
    """Row 7: a person with two accounts, acting for the one staff then disable."""
    world = build_world(app, make)
    second = make.active_contact(world.customer_a2, email=world.a1.email, name="Ann One")
    customer = app.test_client()
    response = customer.post_form("/login", {"email": world.a1.email, "password": PASSWORD})
    assert response.status_code == 303
    assert customer.post_form("/accounts", {"contact_id": second.id}).status_code == 303
    assert "Birch Construction" in customer.get("/").get_data(as_text=True)
    staff = world.client(STAFF_S1)
    assert staff.post_form(f"/staff/contacts/{second.id}/disable").status_code == 303
    page = customer.get("/").get_data(as_text=True)
    assert "Birch Construction" not in page and "Acme Logistics" in page
    assert customer.post_form("/accounts", {"contact_id": second.id}).status_code == 404


def test_a_disabled_contact_enabled_again_does_not_revive_old_sessions(app, make):
    """Row 7: disabling ends the contact's sessions for good; enabling it later needs a new
    login, and the same person's other accounts never notice."""
    world = build_world(app, make)
    second = make.active_contact(world.customer_a2, email=world.a1.email, name="Ann One")
    old = app.test_client()
    old.login_portal(world.a1.email, PASSWORD)  # acting for Acme (A1)
    assert "Acme Logistics" in old.get("/").get_data(as_text=True)
    staff = world.client(STAFF_S1)
    assert staff.post_form(f"/staff/contacts/{world.a1.id}/disable").status_code == 303
    page = old.get("/").get_data(as_text=True)
    assert "Birch Construction" in page and "Acme Logistics" not in page  # still logged in
    assert staff.post_form(f"/staff/contacts/{world.a1.id}/enable").status_code == 303
    # the old cookie does not get Acme back ...
    page = old.get("/").get_data(as_text=True)
    assert "Birch Construction" in page and "Acme Logistics" not in page
    assert old.post_form("/accounts", {"contact_id": world.a1.id}).status_code == 404
    assert old.get(f"/invoices/{world.invoice_a1.id}").status_code == 404
    # ... while a new login does, and still reaches the other account
    fresh = app.test_client()
    fresh.login_portal(world.a1.email, PASSWORD)
    assert fresh.post_form("/accounts", {"contact_id": world.a1.id}).status_code == 303
    assert "Acme Logistics" in fresh.get("/").get_data(as_text=True)
    assert fresh.post_form("/accounts", {"contact_id": second.id}).status_code == 303


def test_a_contact_disabled_and_enabled_again_ends_its_only_session(app, make):
    world = build_world(app, make)
    old = world.client(A1)
    staff = world.client(STAFF_S1)
    assert staff.post_form(f"/staff/contacts/{world.a1.id}/disable").status_code == 303
    assert staff.post_form(f"/staff/contacts/{world.a1.id}/enable").status_code == 303
    response = old.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    fresh = app.test_client()
    fresh.login_portal(world.a1.email, PASSWORD)
    assert fresh.get("/").status_code == 200


def test_lists_run_with_each_requests_shop_and_customer(app, make):
    """Two shops and two customers of one shop, served one after the other by the same process,
    each see only their own invoices and requests, with every filter."""
    s1, s2 = make.shop("Harbor Diesel"), make.shop("Summit Fleet")
    acme, bolt = make.customer(s1, "Acme Logistics"), make.customer(s1, "Bolt Freight")
    other = make.customer(s2, "Acme Logistics")
    people, numbers, requests = {}, {}, {}
    for label, customer in (("acme", acme), ("bolt", bolt), ("other", other)):
        contact = make.active_contact(customer)
        numbers[label] = {make.invoice(customer, number=f"INV-{label}-open").number,
                          make.invoice(customer, number=f"INV-{label}-late",
                                       due_in_days=-3).number}
        requests[label] = make.service_request(contact).id
        browser = app.test_client()
        browser.login_portal(contact.email, PASSWORD)
        people[label] = browser
    staff = {1: app.test_client(), 2: app.test_client()}
    staff[1].login_staff(make.staff(s1).email, PASSWORD)
    staff[2].login_staff(make.staff(s2).email, PASSWORD)
    every = set().union(*numbers.values())

    def invoices(html):
        return {n for n in every if f">{n}<" in html}

    for _ in range(2):  # the second round runs after the other tenants' first
        for label, browser in people.items():
            assert invoices(browser.get("/invoices").get_data(as_text=True)) == numbers[label]
            assert invoices(browser.get("/invoices?status=overdue").get_data(as_text=True)) \
                == {f"INV-{label}-late"}
            assert invoices(browser.get("/invoices?status=unpaid").get_data(as_text=True)) \
                == {f"INV-{label}-open"}
            listing = browser.get("/requests").get_data(as_text=True)
            assert {n for n, i in requests.items() if f'"/requests/{i}"' in listing} == {label}
        shop1 = staff[1].get("/staff/invoices").get_data(as_text=True)
        assert invoices(shop1) == numbers["acme"] | numbers["bolt"]
        narrowed = staff[1].get(f"/staff/invoices?customer_id={bolt.id}&status=overdue")
        assert invoices(narrowed.get_data(as_text=True)) == {"INV-bolt-late"}
        assert invoices(staff[1].get(f"/staff/invoices?customer_id={other.id}")
                        .get_data(as_text=True)) == set()
        assert invoices(staff[2].get("/staff/invoices").get_data(as_text=True)) \
            == numbers["other"]
        for shop, labels in ((1, {"acme", "bolt"}), (2, {"other"})):
            inbox = staff[shop].get("/staff/requests").get_data(as_text=True)
            assert {n for n, i in requests.items() if f'"/staff/requests/{i}"' in inbox} == labels


def test_estimate_and_work_order_lists_keep_each_tenant_apart(app, make):
    """The estimate and work order lists for two shops and two customers of one shop, one after
    the other in one process."""
    s1, s2 = make.shop("Harbor Diesel"), make.shop("Summit Fleet")
    acme, bolt = make.customer(s1, "Acme Logistics"), make.customer(s1, "Bolt Freight")
    other = make.customer(s2, "Acme Logistics")
    docs, people = {}, {}
    for label, customer in (("acme", acme), ("bolt", bolt), ("other", other)):
        docs[label] = {make.estimate(customer, number=f"EST-{label}-1").number,
                       make.estimate(customer, number=f"EST-{label}-2", status="draft").number,
                       make.work_order(customer, number=f"WO-{label}-1").number}
        browser = app.test_client()
        browser.login_portal(make.active_contact(customer).email, PASSWORD)
        people[label] = browser
    staff = {1: app.test_client(), 2: app.test_client()}
    staff[1].login_staff(make.staff(s1).email, PASSWORD)
    staff[2].login_staff(make.staff(s2).email, PASSWORD)
    every = set().union(*docs.values())

    def shown(client, url):
        html = client.get(url).get_data(as_text=True)
        return {n for n in every if f">{n}<" in html}

    for _ in range(2):
        for label, browser in people.items():
            assert shown(browser, "/estimates") == {f"EST-{label}-1"}  # drafts stay hidden
            assert shown(browser, "/estimates?status=sent") == {f"EST-{label}-1"}
            assert shown(browser, "/work-orders") == {f"WO-{label}-1"}
        assert shown(staff[1], "/staff/estimates") == {
            f"EST-{n}-{i}" for n in ("acme", "bolt") for i in (1, 2)}
        assert shown(staff[1], f"/staff/estimates?customer_id={bolt.id}&status=draft") == {
            "EST-bolt-2"}
        assert shown(staff[1], f"/staff/work-orders?customer_id={acme.id}") == {"WO-acme-1"}
        assert shown(staff[2], "/staff/estimates") == {"EST-other-1", "EST-other-2"}
        assert shown(staff[2], "/staff/work-orders") == {"WO-other-1"}
        assert staff[2].get(f"/staff/work-orders?customer_id={acme.id}").status_code == 404
