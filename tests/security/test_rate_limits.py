"""Brute force and abuse (SECURITY.md rows 28, 29).

The limits are the defaults of portal_app/blueprints/auth/views.py and staff/customers.py:
failed logins 5 per minute per account and IP, 30 per hour per account from anywhere and 30 per
minute per IP; forgot-password 3 per 15 minutes per email and 10 per 15 minutes per IP;
invitations 5 per hour per contact.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import OutboundEmail
from tests.factories import PASSWORD
from tests.security.helpers import strip_volatile

LOGIN_PER_ACCOUNT = 5  # from one IP
LOGIN_PER_ACCOUNT_ANYWHERE = 30  # per hour, from all IPs together
LOGIN_PER_IP = 30
FORGOT_PER_EMAIL = 3
FORGOT_PER_IP = 10
INVITES_PER_CONTACT = 5


def _xff(n: int) -> dict:
    return {"X-Forwarded-For": f"198.51.100.{n % 250 + 1}", "X-Real-IP": f"203.0.113.{n % 250}"}


def _assert_limited(response, what: str) -> None:
    assert response.status_code == 429, f"{what}: {response.status_code}"
    retry_after = response.headers.get("Retry-After", "")
    assert retry_after.isdigit() and int(retry_after) > 0, f"{what}: Retry-After={retry_after!r}"


def _emails(read) -> int:
    return read(lambda: db.session.scalar(select(func.count()).select_from(OutboundEmail)))


# --- row 28 ------------------------------------------------------------------------------------

def test_failed_portal_logins_for_one_account_get_429_whatever_the_forwarded_for(app, make):
    contact = make.active_contact(make.customer(make.shop()), email="dana@acme.example")
    client = app.test_client()
    for n in range(LOGIN_PER_ACCOUNT):
        response = client.post_form("/login", {"email": contact.email, "password": f"wrong {n}"},
                                    headers=_xff(n))
        assert response.status_code == 422, n
    # a new X-Forwarded-For, another browser, another spelling of the address: still limited
    other = app.test_client()
    for n, email in enumerate(("dana@acme.example", " DANA@acme.example ")):
        response = other.post_form("/login", {"email": email, "password": "wrong again"},
                                   headers=_xff(100 + n))
        _assert_limited(response, email)
    # the right password does not get through the lock either
    response = other.post_form("/login", {"email": contact.email, "password": PASSWORD},
                               headers=_xff(200))
    _assert_limited(response, "correct password while locked")
    assert other.get("/").status_code == 302
    # the owner, from their own address, is not locked out by the attacker's guesses
    owner = app.test_client()
    response = owner.post_form("/login", {"email": contact.email, "password": PASSWORD},
                               environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 303
    # other accounts are not locked out by it
    someone = make.active_contact(make.customer(make.shop()))
    assert app.test_client().post_form(
        "/login", {"email": someone.email, "password": PASSWORD}).status_code == 303


def _from(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"198.18.{n // 250}.{n % 250 + 1}"}}


def test_guesses_from_many_addresses_are_slowed_per_account(app, make):
    """A botnet spreading guesses over many IPs (fewer than 5 each) still meets the
    per-account limit; the owner, who knows the password, is refused only past it."""
    contact = make.active_contact(make.customer(make.shop()), email="dana@acme.example")
    client = app.test_client()
    for n in range(LOGIN_PER_ACCOUNT_ANYWHERE):
        response = client.post_form("/login", {"email": contact.email, "password": f"x{n}"},
                                    **_from(n))
        assert response.status_code == 422, n
    _assert_limited(client.post_form("/login", {"email": contact.email, "password": "y"},
                                     **_from(999)), "per-account limit from a new address")
    other = make.active_contact(make.customer(make.shop()))
    assert app.test_client().post_form("/login", {"email": other.email, "password": PASSWORD},
                                       **_from(1000)).status_code == 303


def test_failed_staff_logins_for_one_account_get_429(app, make):
    staff = make.staff(make.shop(), email="sam@harbor.example")
    client = app.test_client()
    for n in range(LOGIN_PER_ACCOUNT):
        response = client.post_form("/staff/login", {"email": staff.email, "password": "nope"},
                                    headers=_xff(n))
        assert response.status_code == 422
    response = client.post_form("/staff/login", {"email": staff.email, "password": PASSWORD},
                                headers=_xff(99))
    _assert_limited(response, "staff login")


def test_failed_logins_from_one_ip_get_429_even_with_rotating_forwarded_for(app, make):
    """Password spraying: one guess per account, many accounts, from one address."""
    client = app.test_client()
    for n in range(LOGIN_PER_IP):
        response = client.post_form("/login", {"email": f"user{n}@spray.example",
                                               "password": "Winter2026!"}, headers=_xff(n))
        assert response.status_code == 422, n
    response = client.post_form("/login", {"email": "last@spray.example",
                                           "password": "Winter2026!"}, headers=_xff(999))
    _assert_limited(response, "per-IP login limit")


def test_successful_logins_do_not_use_up_the_limit(app, make):
    contact = make.active_contact(make.customer(make.shop()))
    for _ in range(LOGIN_PER_ACCOUNT + 2):
        client = app.test_client()
        client.login_portal(contact.email, PASSWORD)


# --- row 29 ------------------------------------------------------------------------------------

def _forgot(client, email: str, n: int):
    return client.post_form("/forgot-password", {"email": email}, headers=_xff(n))


def _normalised(response, email: str) -> tuple[int, str]:
    return response.status_code, strip_volatile(response.get_data(as_text=True)).replace(
        email, "EMAIL")


def test_forgot_password_is_limited_per_email_alike_for_known_and_unknown(app, make, mailbox,
                                                                          read):
    known = make.active_contact(make.customer(make.shop()), email="known@acme.example")
    answers = {}
    for email in (known.email, "unknown@acme.example"):
        client = app.test_client()
        for n in range(FORGOT_PER_EMAIL):
            assert _forgot(client, email, n).status_code == 200, (email, n)
        limited = _forgot(app.test_client(), email, 50)
        _assert_limited(limited, email)
        answers[email] = _normalised(limited, email)
        _assert_limited(_forgot(app.test_client(), email.upper(), 60), email.upper())
    assert answers[known.email] == answers["unknown@acme.example"]
    assert _emails(read) == FORGOT_PER_EMAIL  # the known address got at most the limit
    assert len(mailbox.to(known.email)) <= FORGOT_PER_EMAIL


def test_forgot_password_is_limited_per_ip_even_with_rotating_forwarded_for(app, make):
    client = app.test_client()
    for n in range(FORGOT_PER_IP):
        assert _forgot(client, f"someone{n}@acme.example", n).status_code == 200, n
    known = make.active_contact(make.customer(make.shop()), email="known@acme.example")
    limited_known = _forgot(client, known.email, 500)
    limited_unknown = _forgot(client, "unknown@acme.example", 501)
    _assert_limited(limited_known, "per-IP, known email")
    _assert_limited(limited_unknown, "per-IP, unknown email")
    assert _normalised(limited_known, known.email) == \
        _normalised(limited_unknown, "unknown@acme.example")


def _staff(app, make):
    shop = make.shop()
    user = make.staff(shop)
    console = app.test_client()
    console.login_staff(user.email, PASSWORD)
    return shop, console


def test_invitation_resend_is_limited_per_contact(app, make, read):
    shop, console = _staff(app, make)
    customer = make.customer(shop)
    contact, other = make.contact(customer), make.contact(customer)
    for n in range(INVITES_PER_CONTACT):
        assert console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303, n
    _assert_limited(console.post_form(f"/staff/contacts/{contact.id}/invite"), "6th invite")
    _assert_limited(console.post_form(f"/staff/contacts/{contact.id}/invite",
                                      headers={"HX-Request": "true", **_xff(7)}),
                    "6th invite (htmx)")
    # another staff member of the shop does not get a fresh allowance for the same contact
    colleague = app.test_client()
    colleague.login_staff(make.staff(shop).email, PASSWORD)
    _assert_limited(colleague.post_form(f"/staff/contacts/{contact.id}/invite"), "colleague")
    assert console.post_form(f"/staff/contacts/{other.id}/invite").status_code == 303
    assert _emails(read) == INVITES_PER_CONTACT + 1


def test_invitation_limit_also_counts_the_password_reset_button(app, make, read, mailbox):
    """For a contact who never set a password, "Send password reset" re-sends the invitation:
    it is an invitation re-send and must share the per-contact allowance."""
    shop, console = _staff(app, make)
    contact = make.contact(make.customer(shop))
    for n in range(INVITES_PER_CONTACT):
        assert console.post_form(f"/staff/contacts/{contact.id}/invite").status_code == 303, n
    response = console.post_form(f"/staff/contacts/{contact.id}/password-reset")
    _assert_limited(response, "reset button after 5 invitations")
    assert _emails(read) == INVITES_PER_CONTACT


def test_every_limit_guards_a_post(app):
    """GETs skip the limiter altogether (extensions._reads_are_never_limited): a limit put on a
    route that answers GET would silently not count its GETs, so none may exist."""
    from portal_app.extensions import limiter
    from flask_limiter.util import get_qualified_name

    decorated = limiter.limit_manager._decorated_limits  # qualified view name -> limits
    limited = []
    for rule in app.url_map.iter_rules():
        name = get_qualified_name(app.view_functions[rule.endpoint])
        for limit in decorated.get(name, ()):
            limited.append(rule.endpoint)
            methods = {m.upper() for m in (limit.methods or rule.methods)}
            assert methods <= {"POST", "PUT", "PATCH", "DELETE"} or \
                not (rule.methods & methods & {"GET", "HEAD"}), (rule.endpoint, methods)
    assert {"auth.login", "staff.login", "auth.forgot_password", "requests.comment",
            "payments.pay_invoice"} <= set(limited), limited
