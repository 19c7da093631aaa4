"""CSRF, security headers, htmx caching and CORS (SECURITY.md rows 18, 20, 21, 22)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import (
    Asset,
    AuditEntry,
    Comment,
    Contact,
    Customer,
    Location,
    OutboundEmail,
    PortalUser,
    ServiceRequest,
    ServiceRequestDraft,
    Shop,
    StaffUser,
    Token,
)
from tests.factories import PASSWORD
from tests.security.helpers import (
    A1,
    ADMIN_S1,
    ANON,
    HTMX,
    STAFF_S1,
    build_world,
    csrf_from,
    issue_invitation,
    live_tokens,
    representative_url,
)

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def _snapshot(read) -> dict:
    """Everything a forged request could change, counted and summarised."""
    def take():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        return {
            "customers": count(Customer), "contacts": count(Contact), "locations": count(Location),
            "emails": count(OutboundEmail), "tokens": count(Token),
            "used_tokens": db.session.scalar(select(func.count()).select_from(Token)
                                             .where(Token.used_at.is_not(None))),
            "disabled": db.session.scalar(select(func.count()).select_from(Contact)
                                          .where(Contact.portal_disabled.is_(True))),
            "names": sorted(db.session.scalars(select(Customer.name)).all()
                            + db.session.scalars(select(Contact.name)).all()
                            + db.session.scalars(select(Location.name)).all()),
            "passwords": sorted(db.session.scalars(select(PortalUser.password_hash)).all()),
            "versions": sorted(db.session.scalars(select(PortalUser.session_version)).all()),
            "assets": count(Asset), "requests": count(ServiceRequest),
            "comments": count(Comment), "drafts": count(ServiceRequestDraft),
            "archived": db.session.scalar(select(func.count()).select_from(Asset)
                                          .where(Asset.archived.is_(True))),
            "statuses": sorted(db.session.scalars(select(ServiceRequest.status)).all()),
            "staff": sorted((m.email, m.role, m.active, m.session_version) for m in
                            db.session.scalars(select(StaffUser)).all()),
            "shops": sorted((shop.name, shop.brand_color, shop.timezone, shop.logo_hash or "")
                            for shop in db.session.scalars(select(Shop)).all()),
            "audit": count(AuditEntry),
        }
    return read(take)


def _post_rules(app):
    return [r for r in app.url_map.iter_rules()
            if r.endpoint != "static" and r.methods & MUTATING]


def _principal_for(endpoint: str) -> str:
    if endpoint.startswith("admin.") and endpoint != "admin.accept_staff_invitation":
        return ADMIN_S1
    if endpoint.startswith("staff.") and endpoint != "staff.login":
        return STAFF_S1
    if endpoint in ("auth.logout", "auth.accounts") or endpoint.startswith(("assets.",
                                                                              "requests.")):
        return A1
    return ANON


# --- row 18 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["no-token", "no-token-htmx", "wrong-token",
                                     "wrong-header-htmx", "other-sessions-token"])
def test_every_mutating_route_refuses_a_missing_or_bad_csrf_token(app, make, read, mailbox,
                                                                   variant):
    world = build_world(app, make)
    tokens = live_tokens(app, world)
    clients = {p: world.client(p) for p in (ANON, A1, STAFF_S1, ADMIN_S1)}
    foreign_token = csrf_from(app.test_client().get("/login"))  # valid, but another session's
    before = _snapshot(read)
    rules = _post_rules(app)
    assert len(rules) >= 10
    failures = []
    for rule in rules:
        client = clients[_principal_for(rule.endpoint)]
        url = representative_url(app, world, rule, tokens)
        form = {"email": world.a1.email, "password": PASSWORD, "name": "Forged",
                "new_password": "forged password horse", "confirm_password":
                "forged password horse", "contact_id": str(world.a1.id),
                "send_invitation": "y", "address": "1 Forged Way"}
        headers = {}
        if variant == "no-token-htmx":
            headers = HTMX
        elif variant == "wrong-token":
            form["csrf_token"] = "not-a-token"
        elif variant == "wrong-header-htmx":
            headers = {**HTMX, "X-CSRFToken": "not-a-token"}
        elif variant == "other-sessions-token":
            form["csrf_token"] = foreign_token
        for method in sorted(rule.methods & MUTATING):
            response = client.open(url, method=method, data=form, headers=headers)
            if response.status_code != 400:
                failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert _snapshot(read) == before
    assert mailbox.messages == []
    # nobody was logged in or out by a forged request
    assert clients[STAFF_S1].get("/staff/").status_code == 200
    assert clients[A1].get("/").status_code == 200
    assert clients[ANON].get("/").status_code == 302


def test_get_on_post_only_routes_is_405_and_changes_nothing(app, make, read):
    world = build_world(app, make)
    tokens = {}
    clients = {p: world.client(p) for p in (ANON, A1, STAFF_S1, ADMIN_S1)}
    before = _snapshot(read)
    post_only = [r for r in _post_rules(app) if "GET" not in r.methods]
    assert {r.endpoint for r in post_only} >= {"auth.logout", "staff.logout",
                                               "staff.disable_contact", "staff.remove_contact"}
    for rule in post_only:
        url = representative_url(app, world, rule, tokens)
        client = clients[_principal_for(rule.endpoint)]
        for headers in ({}, HTMX):
            response = client.get(url, headers=headers)
            assert response.status_code == 405, (url, headers)
            assert "POST" in response.headers.get("Allow", ""), url
    assert _snapshot(read) == before
    assert clients[STAFF_S1].get("/staff/").status_code == 200
    assert clients[A1].get("/").status_code == 200


def test_get_with_form_values_changes_nothing(app, make, read, mailbox):
    """GET on a GET+POST route shows the form; query values are never acted on."""
    world = build_world(app, make)
    staff = world.client(STAFF_S1)
    anon = world.client(ANON)
    before = _snapshot(read)
    query = ("?name=Forged&email=forged%40x.example&address=x&send_invitation=y"
             f"&csrf_token={csrf_from(staff.get('/staff/'))}")
    for url in ("/staff/customers/new", f"/staff/customers/{world.customer_a1.id}/edit",
                f"/staff/customers/{world.customer_a1.id}/contacts/new",
                f"/staff/contacts/{world.a1.id}/edit",
                f"/staff/customers/{world.customer_a1.id}/locations/new",
                f"/staff/locations/{world.location_a1.id}/edit"):
        staff.get(url + query)  # (what each principal gets is the access matrix's job)
    assert anon.get(f"/forgot-password?email={world.a1.email}").status_code == 200
    assert anon.get(f"/login?email={world.a1.email}&password={PASSWORD}").status_code == 200
    assert anon.get("/").status_code == 302
    assert _snapshot(read) == before and mailbox.messages == []


def test_put_patch_delete_are_not_routes(app, make):
    world = build_world(app, make)
    staff = world.client(STAFF_S1)
    for method in ("PUT", "PATCH", "DELETE"):
        for url in ("/login", "/", f"/staff/customers/{world.customer_a1.id}",
                    f"/staff/contacts/{world.a1.id}/remove"):
            assert staff.open(url, method=method).status_code == 405, (method, url)


# --- row 20 ------------------------------------------------------------------------------------

def _csp(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    return directives


def _assert_headers(response, what: str) -> None:
    csp = _csp(response)
    script = csp.get("script-src", csp.get("default-src"))
    assert script, f"{what}: CSP without script-src/default-src"
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'",
                "*", "data:", "http:", "https:"):
        assert bad not in script, f"{what}: script-src allows {bad}"
    assert csp.get("frame-ancestors") == ["'none'"], what
    assert csp.get("object-src") == ["'none'"], what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Referrer-Policy") in (
        "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"), what


def _assert_no_inline_script(body: str, what: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", body, flags=re.I):
        assert "src=" in tag, f"{what}: inline script {tag}"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", body, flags=re.I), f"{what}: on* handler"
    assert not re.search(r"\shx-on[:\-]", body, flags=re.I), f"{what}: hx-on attribute"
    assert "javascript:" not in body.lower(), f"{what}: javascript: URL"


def _responses(app, make, monkeypatch):
    """(label, response) for pages, fragments, redirects and error pages."""
    world = build_world(app, make)
    anon, customer, staff = (world.client(p) for p in (ANON, A1, STAFF_S1))
    used = issue_invitation(app, world.pending_a1)
    anon.post_form(f"/invite/{used}", {"new_password": "copper kettle meadow sparrow",
                                       "confirm_password": "copper kettle meadow sparrow"})
    anon = world.client(ANON)
    cid, contact = world.customer_a1.id, world.a1.id
    yield "page /login", anon.get("/login")
    yield "page /forgot-password", anon.get("/forgot-password")
    yield "page /staff/login", anon.get("/staff/login")
    yield "page invite", anon.get(f"/invite/{issue_invitation(app, world.disabled)}")
    yield "page /", customer.get("/")
    yield "page /accounts", customer.get("/accounts")
    yield "page /staff/", staff.get("/staff/")
    yield "page /staff/customers", staff.get("/staff/customers")
    yield "page customer", staff.get(f"/staff/customers/{cid}")
    yield "page email log", staff.get("/staff/email-log")
    yield "fragment search", staff.get("/staff/customers?q=acme", headers=HTMX)
    yield "fragment login error", anon.post_form("/login", {"email": "x@y.example",
                                                            "password": "wrong"}, headers=HTMX)
    yield "fragment contacts panel", staff.post_form(f"/staff/contacts/{contact}/disable",
                                                     headers=HTMX)
    yield "fragment new customer error", staff.post_form("/staff/customers/new", {"name": ""},
                                                         headers=HTMX)
    yield "redirect anonymous", anon.get("/")
    yield "redirect htmx 401", anon.get("/", headers=HTMX)
    yield "redirect after POST", staff.post_form(f"/staff/contacts/{contact}/enable")
    yield "error 404", anon.get("/no/such/page")
    yield "error 404 htmx", anon.get("/no/such/page", headers=HTMX)
    yield "error 404 foreign id", world.client("admin_s2").get(f"/staff/customers/{cid}")
    yield "error 405", anon.get("/logout")
    yield "error 400 csrf", anon.post("/login", data={"email": "a@b.example"})
    yield "error 400 csrf htmx", staff.post(f"/staff/contacts/{contact}/invite", headers=HTMX)
    yield "error 410 used link", anon.get(f"/invite/{used}")
    yield "error 404 link", anon.get("/invite/nope")

    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "auth.forgot_password", boom)
    yield "error 500", anon.get("/forgot-password")
    yield "error 500 htmx", anon.get("/forgot-password", headers=HTMX)


def test_every_response_carries_the_security_headers(app, make, monkeypatch):
    seen = set()
    for label, response in _responses(app, make, monkeypatch):
        seen.add(response.status_code)
        _assert_headers(response, f"{label} ({response.status_code})")
        if response.mimetype == "text/html":
            _assert_no_inline_script(response.get_data(as_text=True), label)
    assert {200, 302, 303, 400, 401, 404, 405, 410, 422, 500} <= seen


def test_static_files_carry_nosniff_and_csp(client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    _assert_headers(response, "static css")


@pytest.fixture
def https_app(app, monkeypatch):
    """The portal as production runs it: configured from the environment with an https base
    URL and nothing said about cookies or hosts (SESSION_COOKIE_SECURE, TRUSTED_HOSTS unset)."""
    from portal_app import create_app

    for name in ("SESSION_COOKIE_SECURE", "TRUSTED_HOSTS", "PORTAL_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.com")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test-only")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("MAIL_SERVER", "127.0.0.1")
    production = create_app()
    assert production.config["PORTAL_ENV"] == "production"
    return production


def test_an_https_base_url_turns_on_secure_cookies_and_hsts(https_app):
    client = https_app.test_client()
    response = client.get("/login", base_url="https://portal.example.com")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "the login page starts a session (CSRF)"
    flags = {part.strip().lower() for part in cookies[0].split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= flags, flags


def test_a_forged_host_never_reaches_a_redirect(https_app):
    client = https_app.test_client()
    for host in ("evil.example", "portal.example.com.evil.example", "evil.example:443"):
        response = client.get("/staff", headers={"Host": host})
        assert response.status_code == 400, host
        assert "evil.example" not in response.headers.get("Location", "")
        response = client.post("/forgot-password", headers={"Host": host},
                               data={"email": "dana@acme.example"})
        assert response.status_code == 400, host
    response = client.get("/staff", base_url="https://portal.example.com")
    assert response.status_code == 308
    assert response.headers["Location"] in ("https://portal.example.com/staff/", "/staff/")


def test_an_http_base_url_sends_no_hsts_and_plain_cookies(client):
    response = client.get("/login")
    assert "Strict-Transport-Security" not in response.headers
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "secure" not in cookie.lower()


def test_logged_in_pages_are_never_stored(app, make):
    world = build_world(app, make)
    for principal, paths in ((A1, ["/", "/invoices", f"/invoices/{world.invoice_a1.id}",
                                   "/nope"]),
                             (STAFF_S1, ["/staff/", "/staff/customers", "/staff/email-log"])):
        client = world.client(principal)
        for path in paths:
            for headers in ({}, HTMX):
                response = client.get(path, headers=headers)
                assert response.headers["Cache-Control"] == "no-store", (principal, path)
    anonymous = world.client(ANON).get("/login")
    assert anonymous.headers["Cache-Control"] == "no-cache, private"


def test_session_cookie_is_httponly_and_samesite_lax(client):
    response = client.get("/login")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax"} <= flags, flags


# --- row 21 ------------------------------------------------------------------------------------

def _vary(response) -> set[str]:
    return {v.strip().lower() for v in ",".join(response.headers.getlist("Vary")).split(",")}


def test_htmx_dependent_responses_vary_on_hx_request(app, make, monkeypatch):
    for label, response in _responses(app, make, monkeypatch):
        assert "hx-request" in _vary(response), label


@pytest.mark.parametrize("url, principal", [("/staff/customers?q=acme", STAFF_S1),
                                            ("/invoices?status=unpaid", A1),
                                            ("/estimates?status=sent", A1)])
def test_history_restore_and_boosted_requests_get_the_full_page(app, make, url, principal):
    world = build_world(app, make)
    client = world.client(principal)
    fragment = client.get(url, headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment  # the control: a plain htmx request gets the block
    for extra in ({"HX-History-Restore-Request": "true"}, {"HX-Boosted": "true"}):
        response = client.get(url, headers={**HTMX, **extra})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "<html" in body and "</html>" in body, extra
        assert "hx-request" in _vary(response)


# --- row 22 ------------------------------------------------------------------------------------

def test_foreign_origin_gets_no_cors_headers(app, make):
    world = build_world(app, make)
    origin = {"Origin": "https://evil.example"}
    staff = world.client(STAFF_S1)
    customer = world.client(A1)
    responses = [
        world.client(ANON).get("/login", headers=origin),
        world.client(ANON).open("/login", method="OPTIONS", headers={
            **origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-CSRFToken, HX-Request"}),
        customer.get("/", headers=origin),
        customer.get("/", headers={**origin, **HTMX}),
        staff.get("/staff/customers", headers=origin),
        staff.open(f"/staff/contacts/{world.a1.id}/disable", method="OPTIONS", headers={
            **origin, "Access-Control-Request-Method": "POST"}),
        staff.post_form(f"/staff/contacts/{world.a1.id}/invite", headers=origin),
        world.client(ANON).get("/static/css/portal.css", headers=origin),
    ]
    for response in responses:
        cors = [h for h in response.headers.keys() if h.lower().startswith("access-control-")]
        assert not cors, (response.request.path, cors)


def test_a_sessions_csrf_token_works_only_for_that_session(app, make, read):
    """Flask-WTF's token, as shipped: a post with the session's token is taken, and another
    session, or the same browser after logging in again, cannot use it."""
    shop = make.shop("Harbor Diesel")
    customer = make.customer(shop, "Acme Logistics")
    alice = make.active_contact(customer, name="Alice Ng")
    bob = make.active_contact(customer, name="Bob Ray")
    estimate = make.estimate(customer)
    first, second = app.test_client(), app.test_client()
    first.login_portal(alice.email, PASSWORD)
    second.login_portal(bob.email, PASSWORD)
    page = f"/estimates/{estimate.id}"
    token = csrf_from(first.get(page))
    assert csrf_from(second.get(page)) != token  # each session its own

    refused = second.post(page + "/comments", data={"body": "Bob with Alice's token",
                                                   "csrf_token": token})
    assert refused.status_code == 400
    taken = first.post(page + "/comments", data={"body": "Alice's question",
                                                "csrf_token": token})
    assert taken.status_code == 303
    assert read(lambda: sorted(db.session.scalars(select(Comment.body)).all())) \
        == ["Alice's question"]

    first.post("/logout", data={"csrf_token": token})
    first.login_portal(alice.email, PASSWORD)  # a new session, a new token
    again = first.post(page + "/comments", data={"body": "Old token", "csrf_token": token})
    assert again.status_code == 400
    assert csrf_from(first.get(page)) != token
