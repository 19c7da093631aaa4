"""Shared helpers of the security tests: a two-shop world, principals, links from emails."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import delete, update

from portal_app.extensions import db
from portal_app.models import Contact, ImportUpload, ServiceRequestDraft, Token
from portal_app.services import tokens
from tests.conftest import CSRF_RE, wait_for
from tests.factories import PASSWORD

HTMX = {"HX-Request": "true"}
BASE_URL = "http://portal.test"

# Principals of SECURITY.md ("Principals used by the access-control matrix").
ANON = "anonymous"
A1 = "customer_a1"
A2 = "customer_a2"
B = "customer_b"
STAFF_S1 = "staff_s1"
ADMIN_S1 = "admin_s1"
ADMIN_S2 = "admin_s2"
DISABLED = "disabled_portal_user"
REMOVED = "removed_contact_user"
PRINCIPALS = (ANON, A1, A2, B, STAFF_S1, ADMIN_S1, ADMIN_S2, DISABLED, REMOVED)


def commit(app, fn: Callable[[], object]):
    """Run fn() in a short app context, commit, and return its result (tests hold no context)."""
    with app.app_context():
        try:
            result = fn()
            db.session.commit()
            return result
        finally:
            db.session.remove()


def set_contact(app, contact_id: int, **values) -> None:
    commit(app, lambda: db.session.execute(
        update(Contact).where(Contact.id == contact_id).values(**values)))


def delete_contact(app, contact_id: int) -> None:
    commit(app, lambda: db.session.execute(delete(Contact).where(Contact.id == contact_id)))


def issue_invitation(app, contact: Contact) -> str:
    """Create a live invitation token for a contact directly (no email); return it raw."""
    return commit(app, lambda: tokens.issue_token(
        Token.INVITATION, email=contact.email, ttl=app.config["INVITATION_TTL"],
        shop_id=contact.shop_id, contact_id=contact.id))


def issue_staff_invitation(app, member) -> str:
    """A live staff invitation for a staff member (as if just invited); return it raw."""
    return commit(app, lambda: tokens.issue_token(
        Token.STAFF_INVITATION, email=member.email, ttl=app.config["INVITATION_TTL"],
        shop_id=member.shop_id, staff_user_id=member.id))


def issue_reset(app, contact: Contact) -> str:
    """Create a live password-reset token for an active contact's login; return it raw."""
    return commit(app, lambda: tokens.issue_token(
        Token.PASSWORD_RESET, email=contact.email, ttl=app.config["RESET_TTL"],
        shop_id=contact.shop_id, portal_user_id=contact.portal_user_id))


def issue_staff_reset(app, member) -> str:
    """A live password-reset token of a staff member (Forgot password? in the console)."""
    return commit(app, lambda: tokens.issue_token(
        Token.PASSWORD_RESET, email=member.email, ttl=app.config["RESET_TTL"],
        shop_id=member.shop_id, staff_user_id=member.id))


def live_tokens(app, world: World) -> dict:
    """Raw live one-time links of S1, by the endpoint that opens them (for representative_url)."""
    return {"auth.accept_invitation": issue_invitation(app, world.pending_a1),
            "auth.reset_password": issue_reset(app, world.a1),
            "admin.accept_staff_invitation": issue_staff_invitation(app, world.colleague_s1),
            "staff.auth.reset_password": issue_staff_reset(app, world.staff_s1)}


def csrf_from(response) -> str:
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "the page carries no CSRF token"
    return match.group(1) or match.group(2)


def link_in(mailbox, address: str, kind: str = "invite", index: int = -1,
            count: int = 1) -> str:
    """Return the path of the index-th /invite/ or /reset/ link mailed to address."""
    messages = wait_for(lambda: len(mailbox.to(address)) >= count and mailbox.to(address))
    assert messages, f"no email reached {address}"
    found = [m for m in messages if f"/{kind}/" in m.text]
    assert found, f"no /{kind}/ link mailed to {address}"
    url = re.search(rf"(\S+/{kind}/[\w-]+)", found[index].text).group(1)
    assert url.startswith(BASE_URL + "/"), url
    return url[len(BASE_URL):]


def strip_volatile(html: str) -> str:
    """Drop what differs between two renders of one page: CSRF tokens and CSP nonces."""
    html = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+', r"\1CSRF", html)
    html = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1CSRF", html)
    return re.sub(r'nonce="[^"]+"', 'nonce="NONCE"', html)


@dataclass
class World:
    """Shops S1 and S2 with the principals of the access-control matrix."""

    app: object
    s1: object
    s2: object
    customer_a1: object
    customer_a2: object
    customer_b: object
    a1: object  # active contacts (their portal logins use factories.PASSWORD)
    a2: object
    b: object
    staff_s1: object
    admin_s1: object
    admin_s2: object
    location_a1: object
    pending_a1: object  # a contact of customer A1 not invited yet
    disabled: object  # active contact of customer A1, to be disabled after logging in
    removed: object  # active contact of customer A1, to be deleted after logging in
    s2_location: object = None
    invoice_a1: object = None  # an open invoice of customer A1 with a started Stripe checkout
    asset_a1: object = None  # a unit of customer A1 at location_a1
    request_a1: object = None  # a service request of contact a1 about asset_a1
    estimate_a1: object = None  # a sent estimate of customer A1 (one optional line)
    work_order_a1: object = None  # a work order of A1 with additional work awaiting approval
    colleague_s1: object = None  # a Staff member of S1 whom admin actions act on
    session_a1: object = None  # a session row of a1's login in another browser
    inbox_item_a1: object = None  # an open staff inbox item of S1 (A1 commented on request_a1)
    extra: dict = field(default_factory=dict)

    def client(self, principal: str):
        """A browser logged in as principal (the disabled/removed ones lose access after)."""
        client = self.app.test_client()
        if principal == ANON:
            return client
        if principal in (STAFF_S1, ADMIN_S1, ADMIN_S2):
            client.login_staff(getattr(self, principal).email, PASSWORD)
            return client
        contact = {A1: self.a1, A2: self.a2, B: self.b, DISABLED: self.disabled,
                   REMOVED: self.removed}[principal]
        client.login_portal(contact.email, PASSWORD)
        if principal == DISABLED:
            set_contact(self.app, contact.id, portal_disabled=True)
        elif principal == REMOVED:
            delete_contact(self.app, contact.id)
        return client


def representative_url(app, world: World, rule, tokens: dict) -> str:
    """A URL for rule whose ids are S1 / customer A1 objects (tokens: endpoint -> raw token)."""
    values = {}
    for name in rule.arguments:
        if name == "customer_id":
            values[name] = world.customer_a1.id
        elif name == "contact_id":
            values[name] = world.a1.id
        elif name == "location_id":
            values[name] = world.location_a1.id
        elif name == "invoice_id":
            values[name] = world.invoice_a1.id
        elif name == "asset_id":
            values[name] = world.asset_a1.id
        elif name == "request_id":
            values[name] = world.request_a1.id
        elif name == "estimate_id":
            values[name] = world.estimate_a1.id
        elif name == "work_order_id":
            values[name] = world.work_order_a1.id
        elif name == "staff_id":
            values[name] = world.colleague_s1.id
        elif name == "item_id":
            values[name] = world.inbox_item_a1.id
        elif name == "shop_id":
            values[name] = world.s1.id
        elif name == "session_id":
            values[name] = world.session_a1.id
        elif name == "payment_id":
            values[name] = world.extra["payment_a1"].id
        elif name == "file_id":  # a photo of the document the rule names (issue 21)
            document = next((key for key in ("asset_id", "request_id", "estimate_id",
                                              "work_order_id") if key in rule.arguments), "draft")
            values[name] = world.extra["files"][document].id
        elif name == "line_id":  # the first line of the estimate or work order the rule names
            document = world.estimate_a1 if "estimate_id" in rule.arguments else \
                world.work_order_a1
            values[name] = document.lines[0].id
        elif name == "upload_id":
            values[name] = world.extra["upload_s1"].id
        elif name == "logo_hash":
            values[name] = world.s1.logo_hash
        elif name == "token":
            values[name] = tokens[rule.endpoint]
        else:
            raise AssertionError(f"{rule.endpoint}: no representative value for <{name}>; "
                                 "add one to tests/security/helpers.py:representative_url()")
    if rule.endpoint in ("payments.checkout_return", "payments.checkout_cancel"):
        values["session_id"] = MATRIX_SESSION_ID  # A1's checkout (a query argument)
    return app.url_map.bind("localhost").build(rule.endpoint, values)


MATRIX_SESSION_ID = "cs_test_matrix_a1"


def build_world(app, make) -> World:
    s1 = make.shop("Harbor Diesel", slug="harbor-diesel")
    s2 = make.shop("Summit Fleet", slug="summit-fleet")
    customer_a1 = make.customer(s1, "Acme Logistics")
    customer_a2 = make.customer(s1, "Birch Construction")
    customer_b = make.customer(s2, "Cedar Haulage")
    invoice_a1 = make.invoice(customer_a1, number="INV-A1")
    make.payment(invoice_a1, 10000, method="card", status="pending",
                 stripe_account_id="acct_matrix_s1", stripe_checkout_session_id=MATRIX_SESSION_ID,
                 stripe_checkout_url="https://checkout.stripe.test/pay/cs_test_matrix_a1")
    make.payment_settings(s1, stripe_account_id="acct_matrix_s1")
    world = World(
        app=app, s1=s1, s2=s2,
        customer_a1=customer_a1, customer_a2=customer_a2, customer_b=customer_b,
        a1=make.active_contact(customer_a1, email="a1@acme.example", name="Ann One"),
        a2=make.active_contact(customer_a2, email="a2@birch.example", name="Abe Two"),
        b=make.active_contact(customer_b, email="b@cedar.example", name="Bea Bee"),
        staff_s1=make.staff(s1, role="staff", email="staff@harbor.example"),
        admin_s1=make.staff(s1, role="admin", email="admin@harbor.example"),
        admin_s2=make.staff(s2, role="admin", email="admin@summit.example"),
        location_a1=make.location(customer_a1, "North yard"),
        pending_a1=make.contact(customer_a1, email="pending@acme.example", name="Pat Pending"),
        disabled=make.active_contact(customer_a1, email="off@acme.example", name="Dee Off"),
        removed=make.active_contact(customer_a1, email="gone@acme.example", name="Reed Gone"),
        s2_location=make.location(customer_b, "South yard"),
        invoice_a1=invoice_a1,
    )
    world.colleague_s1 = make.staff(s1, role="staff", email="colleague@harbor.example")
    world.session_a1 = make.login_session(world.a1)
    world.s1 = make.logo(s1)
    world.asset_a1 = make.asset(customer_a1, "T-101", world.location_a1)
    world.request_a1 = make.service_request(world.a1, world.location_a1, world.asset_a1)
    world.estimate_a1 = make.estimate(customer_a1, lines=[("Brake job", 1, 50000, False),
                                                          ("Wipers", 1, 4500, True)],
                                      asset_id=world.asset_a1.id)
    world.work_order_a1 = make.work_order(customer_a1, pending=[("Air hose", 1, 16500)],
                                          asset_id=world.asset_a1.id)
    world.inbox_item_a1 = make.inbox_item(world.request_a1, world.a1)
    # A payment staff recorded on another invoice of A1: its receipt (page, print view, PDF).
    world.extra["payment_a1"] = make.payment(make.invoice(customer_a1, number="INV-A1-PAID"),
                                             2500, reference="Check 77")
    # A CSV an Administrator of S1 uploaded to import, not imported yet (/staff/import/<id>).
    world.extra["upload_s1"] = make._save(ImportUpload(
        shop_id=s1.id, staff_user_id=world.admin_s1.id, kind="customers", filename="s1.csv",
        content="customer_name,contact_name,contact_email\nImported Co,Ida,ida@imported.example\n"))
    # A photo on each kind of document of A1, and on A1's unfinished request form (issue 21).
    draft = make._save(ServiceRequestDraft(shop_id=s1.id, customer_id=customer_a1.id,
                                           contact_id=world.a1.id, description="Leak"))
    world.extra["files"] = {
        "asset_id": make.attachment(world.asset_a1, matrix_photo(1), "unit.jpg"),
        "request_id": make.attachment(world.request_a1, matrix_photo(2), "leak.jpg"),
        "estimate_id": make.attachment(world.estimate_a1, matrix_photo(3), "pads.jpg",
                                       part=world.estimate_a1.lines[0]),
        "work_order_id": make.attachment(world.work_order_a1, matrix_photo(4), "hose.jpg"),
        "draft": make.attachment(draft, matrix_photo(5), "draft.jpg"),
    }
    return world


def matrix_photo(seed: int) -> bytes:
    from tests.uploads import photo

    return photo(320, 240, seed=seed)
