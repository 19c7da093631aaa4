"""The portal invitation, end to end in Chromium: staff invites, the email arrives over SMTP,
the customer chooses a password from the link, and the link then refuses a second use.

Runs with JavaScript on (the staff button goes through htmx and swaps the contacts panel in
place) and off (the same button is a plain form post answered by a redirect).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login_portal, login_staff
from tests.conftest import wait_for

pytestmark = pytest.mark.browser

STRONG = "lantern orbit cactus harbor"
# The login page of the shop (issue 19: every way in carries it), with the page asked for.
AT_LOGIN = re.compile(r"/login\?(next=(/|%2F)&)?shop=[\w-]+$")
JS = pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])


def invitation_link(mailbox, address: str, base_url: str, read, *, worker_fallback: bool) -> str:
    """Wait for the invitation to reach the SMTP server and return its /invite/<token> link.

    The app sends mail from a response.call_on_close callback. Werkzeug's server (live_server)
    skips close() when the client drops the connection before reading the whole body, which
    Chromium does with the body of a 303 redirect; the message then stays queued for the
    `flask outbox run` worker. With `worker_fallback` the test does what that worker does,
    after giving the after-response delivery a fair chance (see the report on this bug).
    """
    messages = wait_for(lambda: mailbox.to(address), timeout=3 if worker_fallback else 10)
    if not messages and worker_fallback:
        from portal_app.mail import outbox

        read(outbox.deliver)
        messages = wait_for(lambda: mailbox.to(address), timeout=5)
    assert messages, f"no email reached the SMTP server for {address}; outbox: {read(_outbox)}"
    assert len(messages) == 1, [m.subject for m in messages]
    match = re.search(r"(https?://\S+/invite/[A-Za-z0-9_\-.~%]+)", messages[0].text)
    assert match, messages[0].text
    link = match.group(1)
    assert link.startswith(base_url + "/invite/"), link
    return link


@JS
def test_invitation_journey(js, new_context, watch, live_server, make, mailbox, read):
    shop = make.shop("Harbor Diesel")
    admin = make.staff(shop, role="admin", name="Ava Admin")
    customer = make.customer(shop, "Acme Logistics", account_number="C-100")
    contact = make.contact(customer, name="Dana Ortiz", email="dana@acme.example")

    # Staff: log in, open the customer, press "Send portal invitation".
    staff = new_context(java_script_enabled=js).new_page()
    staff_console = watch(staff)
    login_staff(staff, admin.email)
    customer_url = f"{live_server.url}/staff/customers/{customer.id}"
    staff.goto(customer_url)
    row = staff.locator("#contacts .contact", has_text="Dana Ortiz")
    expect(row.locator(".state")).to_have_text("Not invited")
    if js:
        staff.wait_for_function("() => typeof window.htmx === 'object'")
        staff.evaluate("window.__samePage = true")  # survives only if the page is not reloaded
    with staff.expect_response(lambda r: r.request.method == "POST"
                               and r.url.endswith(f"/contacts/{contact.id}/invite")) as posted:
        row.get_by_role("button", name="Send portal invitation").click()
    response = posted.value
    if js:
        assert response.request.headers.get("hx-request") == "true"
        assert response.status == 200
        assert "<html" not in response.text()  # a fragment, not a page
    else:
        assert response.request.headers.get("hx-request") is None
        assert response.status == 303
        assert response.headers["location"] == f"/staff/customers/{customer.id}"
    panel = staff.locator("#contacts")
    expect(panel.locator(".flash")).to_have_text(
        "Invitation sent to dana@acme.example. Older invitation links no longer work.")
    expect(row.locator(".state")).to_contain_text("Invited on")
    expect(row.get_by_role("button", name="Resend invitation")).to_be_visible()
    expect(staff).to_have_url(customer_url)
    if js:
        assert staff.evaluate("window.__samePage") is True, "htmx click reloaded the page"
        expect(staff.locator("#contacts")).to_have_count(1)  # swapped, not nested

    # With JS the htmx request reads its whole response, so delivery after the response is
    # reliable and required; a plain form's redirect may need the outbox worker (see helper).
    link = invitation_link(mailbox, contact.email, live_server.url, read, worker_fallback=not js)

    # The customer, in a browser of their own, opens the link.
    person = new_context(java_script_enabled=js).new_page()
    person_console = watch(person)
    person.goto(link)
    expect(person.get_by_role("heading", level=1)).to_have_text("Welcome to Harbor Diesel")
    new_password = person.get_by_label("New password")
    confirm = person.get_by_label("Confirm password")

    # A mismatched confirmation is refused next to the confirmation field.
    person_console.expected_statuses.add(422)
    new_password.fill(STRONG)
    confirm.fill(STRONG + " typo")
    person.get_by_role("button", name="Set password").click()
    expect(person).to_have_url(link)
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_have_accessible_description("The two passwords don't match.")
    expect(person.locator(".field.has-error")).to_have_count(1)
    expect(person.locator(".field.has-error .error")).to_have_text("The two passwords don't match.")

    # A weak password is refused, with the reason under "New password".
    new_password.fill("password1234")
    confirm.fill("password1234")
    person.get_by_role("button", name="Set password").click()
    expect(person).to_have_url(link)
    expect(new_password).to_have_attribute("aria-invalid", "true")
    expect(new_password).to_have_accessible_description(
        re.compile(r"\. Choose a less common password\.$"))
    assert read(lambda: _contact_state(contact.id)) == "invited"

    # A strong passphrase sets the password and lands on the dashboard, logged in.
    new_password.fill(STRONG)
    confirm.fill(STRONG)
    person.get_by_role("button", name="Set password").click()
    expect(person).to_have_url(f"{live_server.url}/")
    expect(person.get_by_role("heading", level=1)).to_have_text("Hello, Dana")
    expect(person.locator(".flash-success")).to_have_text(
        "Welcome, Dana Ortiz. Your password is set.")

    # The link works once.
    person_console.expected_statuses.add(410)
    again = person.goto(link)
    assert again.status == 410
    expect(person.get_by_role("heading", level=1)).to_have_text(
        "This invitation link has already been used")
    expect(person.get_by_role("link", name="Log in", exact=True)).to_have_attribute(
        "href", re.compile(r"^/login\?shop=[\w-]+$"))
    expect(person.get_by_role("link", name="Forgot password?")).to_have_attribute(
        "href", re.compile(r"^/forgot-password\?shop=[\w-]+$"))

    # Staff sees the contact as active.
    staff.goto(customer_url)
    expect(row.locator(".state")).to_contain_text("Active since")
    expect(row.get_by_role("button", name="Send portal invitation")).to_have_count(0)

    assert staff_console.take() == []
    assert person_console.take() == []


def _outbox() -> list[dict]:
    from sqlalchemy import select

    from portal_app.extensions import db
    from portal_app.models import OutboundEmail

    return [{"id": m.id, "to": m.recipient, "status": m.status, "attempts": m.attempts,
             "error": m.last_error, "next": m.next_attempt_at, "locked": m.locked_until}
            for m in db.session.scalars(select(OutboundEmail))]


def _contact_state(contact_id: int) -> str:
    from portal_app.extensions import db
    from portal_app.models import Contact

    return db.session.get(Contact, contact_id).portal_state


@JS
def test_logout_then_back_or_reload_goes_to_login(js, new_context, watch, live_server, make):
    shop = make.shop("Harbor Diesel")
    customer = make.customer(shop, "Acme Logistics")
    contact = make.active_contact(customer, name="Dana Ortiz")
    context = new_context(java_script_enabled=js)
    page = context.new_page()
    console = watch(page)
    login_portal(page, contact.email)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dana")
    other_tab = context.new_page()  # the dashboard, still open in a second tab
    other_console = watch(other_tab)
    other_tab.goto("/")
    expect(other_tab.get_by_role("heading", level=1)).to_have_text("Hello, Dana")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/login?shop={shop.slug}")  # the shop's login
    expect(page.locator(".flash")).to_have_text("You're logged out.")

    # Back: the dashboard is not shown from a cache; the server sends the browser to log in.
    page.go_back()
    expect(page).to_have_url(AT_LOGIN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_text("Hello, Dana")).to_have_count(0)

    # Reload of the dashboard left open in the other tab.
    other_tab.reload()
    expect(other_tab).to_have_url(AT_LOGIN)
    expect(other_tab.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(other_tab.get_by_text("Hello, Dana")).to_have_count(0)
    assert console.take() == [] and other_console.take() == []
