"""Issue 19 item 3 and part of item 10, through HTTP.

- Branding on every way in: every link the portal emails or redirects to that leads to a login
  (invitation, reset, password changed, document emails, logout, an expired session) names the
  shop, and the login page it leads to wears the shop's name and brand colour; `/login` alone,
  and a shop nobody knows, is the neutral page (200, never an error).
- Staff **Forgot password?** with the portal's reset rules: the same answer whether the address
  has a login or not, rate limited, a single-use link for an hour, the reset ends every other
  session; delivered through the real SMTP test server.
- A void invoice's amount due is $0.00 and its reason is not given a second period.
- One support phone, the shop's setting, wherever a phone number is shown.
- The dashboards sum what is to pay, overdue included.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update

from portal_app.extensions import db
from portal_app.models import AuditEntry, Invoice, PortalUser, Shop, StaffUser, Token
from tests.conftest import BASE_URL, wait_for
from tests.factories import PASSWORD
from tests.security.helpers import issue_reset, issue_staff_reset, strip_volatile

BRAND = "#7a2e5c"  # white text on it reads at well over 4.5:1
NEUTRAL_BRAND = "#1f5f8b"
SHOP_NAME = "Harbor Diesel Service"
NEW_PASSWORD = "tractor wheel harbor lamp"
PHONE = "+1 603 555 0199"
# Anything that reads as a phone number on a page: "+1 603 555 0199", "(510) 555-0100"...
PHONE_LIKE = re.compile(r"(?:\+\d[\d ()-]{8,}\d|\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}-\d{3}-\d{4}\b)")


def phones(text: str) -> set[str]:
    """The phone numbers a text names, as digits ("tel:+16035550199" is "+1 603 555 0199")."""
    return {re.sub(r"\D", "", found) for found in PHONE_LIKE.findall(text)}


@pytest.fixture
def world(make):
    shop = make.shop(SHOP_NAME, slug="harbor-diesel", brand_color=BRAND, support_phone=PHONE,
                     support_email="help@harbor.example", address="1 Harbor Road\nPortsmouth")
    acme = make.customer(shop, "Acme Logistics")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    make.payment_settings(shop, invoice_notifications=True)
    return {"shop": shop, "acme": acme, "dana": dana, "admin": admin}


def staff_client(app, member):
    client = app.test_client()
    client.login_staff(member.email, PASSWORD)
    return client


def portal_client(app, contact):
    client = app.test_client()
    client.login_portal(contact.email, PASSWORD)
    return client


def assert_branded(html: str, shop) -> None:
    assert f"--brand:{shop.brand_color}" in html, "the page does not wear the brand colour"
    assert f"· {shop.name}</title>" in html and f">{shop.name}" in html, "no shop name"


def assert_neutral(html: str) -> None:
    assert f"--brand:{NEUTRAL_BRAND}" in html and BRAND not in html
    assert SHOP_NAME not in html and "· Customer Portal</title>" in html


def shop_of(url: str) -> str | None:
    """The ?shop= a link or redirect names."""
    return parse_qs(urlsplit(url).query).get("shop", [None])[0]


def open_as_visitor(app, url: str):
    """Open a link from an email in a browser with no session, following the redirect to the
    login page a portal page answers with; return (final response, the URLs visited)."""
    client = app.test_client()
    path = url[len(BASE_URL):] if url.startswith(BASE_URL) else url
    visited = [path]
    response = client.get(path)
    while response.status_code in (302, 303):
        visited.append(response.headers["Location"])
        response = client.get(response.headers["Location"])
    return response, visited


def mail(mailbox, address: str, subject: str, count: int = 1):
    messages = wait_for(lambda: len([m for m in mailbox.to(address)
                                     if subject in m.subject]) >= count and
                        [m for m in mailbox.to(address) if subject in m.subject], timeout=10)
    assert messages, f"no email {subject!r} reached {address}"
    return messages[-1]


def links(message) -> list[str]:
    """Every link of both parts of an email."""
    found = re.findall(r"https?://[^\s<>\"']+", message.text)
    found += [href.replace("&amp;", "&")
              for href in re.findall(r'href="(http[^"]+)"', message.html)]
    return found


# --- branding on every way in -----------------------------------------------------------------


def test_login_alone_is_neutral_and_a_shop_nobody_knows_too(client, world):
    assert_neutral(client.get("/login").get_data(as_text=True))
    for slug in ("no-such-shop", "<script>alert(1)</script>", "x" * 300, "HARBOR-DIESEL", ""):
        response = client.get("/login", query_string={"shop": slug})
        assert response.status_code == 200, slug
        assert_neutral(response.get_data(as_text=True))
    # the known one brands it, and its "Forgot password?" keeps the brand
    page = client.get("/login?shop=harbor-diesel").get_data(as_text=True)
    assert_branded(page, world["shop"])
    assert 'href="/forgot-password?shop=harbor-diesel"' in page
    # a portal page opened with an odd ?shop= sends the visitor to the neutral login, no error
    response = client.get("/invoices", query_string={"shop": "<b>"})
    assert response.status_code == 302 and shop_of(response.headers["Location"]) is None
    response, _ = open_as_visitor(client.application, "/invoices?shop=nobody-here")
    assert response.status_code == 200
    assert_neutral(response.get_data(as_text=True))


def test_log_out_lands_on_the_shops_login_page(app, world):
    client = portal_client(app, world["dana"])
    response = client.post_form("/logout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?shop=harbor-diesel"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert_branded(page, world["shop"])
    assert "You&#39;re logged out." in page or "You're logged out." in page
    # logged out for real; Back to a portal page (or a reload of another tab) finds the
    # shop's login too: the session cookie keeps the shop, and nothing else
    response = client.get("/invoices")
    assert response.status_code == 302 and shop_of(response.headers["Location"]) == \
        "harbor-diesel"
    assert "You're logged out" not in client.get("/login").get_data(as_text=True)
    assert_neutral(client.get("/login").get_data(as_text=True))  # /login alone: neutral


def test_an_expired_session_is_sent_to_the_shops_login_page(app, world, read):
    client = portal_client(app, world["dana"])
    assert client.get("/invoices").status_code == 200

    def end_sessions():
        db.session.execute(update(PortalUser).where(PortalUser.email == world["dana"].email)
                           .values(session_version=PortalUser.session_version + 1))
        db.session.commit()

    read(end_sessions)  # e.g. the password was changed in another browser
    response = client.get("/invoices")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == "/login" and shop_of(location) == "harbor-diesel"
    assert parse_qs(urlsplit(location).query)["next"] == ["/invoices"]
    assert_branded(client.get(location).get_data(as_text=True), world["shop"])
    # htmx is told the same place in HX-Redirect
    response = client.get("/invoices", headers={"HX-Request": "true"})
    assert response.status_code == 401 and shop_of(response.headers["HX-Redirect"]) == \
        "harbor-diesel"
    # logging in again from there goes on to the page asked for
    response = client.post_form(location, {"email": world["dana"].email, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/invoices"


def test_invitation_emails_lead_to_the_branded_pages(app, make, world, mailbox):
    ben = make.contact(world["acme"], email="ben@acme.example", name="Ben Birch")
    staff = staff_client(app, world["admin"])
    assert staff.post_form(f"/staff/contacts/{ben.id}/invite").status_code == 303
    message = mail(mailbox, ben.email, "invites you")
    found = links(message)
    login_links = [url for url in found if urlsplit(url).path == "/login"]
    assert login_links and all(shop_of(url) == "harbor-diesel" for url in login_links), found
    response, _ = open_as_visitor(app, login_links[0])
    assert_branded(response.get_data(as_text=True), world["shop"])
    invite = next(url for url in found if "/invite/" in url)
    response, _ = open_as_visitor(app, invite)
    assert response.status_code == 200
    assert_branded(response.get_data(as_text=True), world["shop"])


def test_reset_and_password_changed_emails_lead_to_the_branded_pages(app, world, mailbox):
    visitor = app.test_client()
    forgot = visitor.get("/forgot-password?shop=harbor-diesel").get_data(as_text=True)
    assert_branded(forgot, world["shop"])
    assert 'action="/forgot-password?shop=harbor-diesel"' in forgot
    assert 'href="/login?shop=harbor-diesel">Back to log in' in forgot
    sent = visitor.post_form("/forgot-password?shop=harbor-diesel",
                             {"email": world["dana"].email}).get_data(as_text=True)
    assert_branded(sent, world["shop"])
    assert 'href="/login?shop=harbor-diesel">Back to log in' in sent

    reset = next(url for url in links(mail(mailbox, world["dana"].email, "Reset your"))
                 if "/reset/" in url)
    assert shop_of(reset) == "harbor-diesel"
    response, _ = open_as_visitor(app, reset)
    assert response.status_code == 200
    assert_branded(response.get_data(as_text=True), world["shop"])
    # the form posts to the bare path: a refused password keeps the brand (from the link's shop)
    path = urlsplit(reset).path
    refused = visitor.post_form(path, {"new_password": "short", "confirm_password": "short"})
    assert refused.status_code == 422
    assert_branded(refused.get_data(as_text=True), world["shop"])
    assert visitor.post_form(path, {"new_password": NEW_PASSWORD,
                                    "confirm_password": NEW_PASSWORD}).status_code == 303
    # the used link: its page, and its Log in and Forgot password?, wear the brand too
    used = app.test_client().get(path)
    assert used.status_code == 410
    used_page = used.get_data(as_text=True)
    assert_branded(used_page, world["shop"])
    assert 'href="/login?shop=harbor-diesel">Log in' in used_page
    assert 'href="/forgot-password?shop=harbor-diesel">Forgot password?' in used_page

    changed = mail(mailbox, world["dana"].email, "was changed")
    again = [url for url in links(changed) if "/forgot-password" in url]
    assert again and all(shop_of(url) == "harbor-diesel" for url in again)
    response, _ = open_as_visitor(app, again[0])
    assert_branded(response.get_data(as_text=True), world["shop"])


def test_document_emails_lead_to_the_shops_login_page(app, make, world, mailbox):
    """A new invoice, an estimate sent and a request update: the link opens the document, and a
    visitor without a session lands on the shop's login with the document as next."""
    staff = staff_client(app, world["admin"])
    draft = make.invoice(world["acme"], state="draft", number="INV-0100")
    assert staff.post_form(f"/staff/invoices/{draft.id}/issue").status_code == 303
    estimate = make.estimate(world["acme"], status="draft", number="EST-0100")
    assert staff.post_form(f"/staff/estimates/{estimate.id}/send").status_code == 303
    location = make.location(world["acme"], "North yard")
    request = make.service_request(world["dana"], location)
    assert staff.post_form(f"/staff/requests/{request.id}/close",
                           {"note": "Done on site."}).status_code == 303

    for subject, path in (("New invoice", f"/invoices/{draft.id}"),
                          ("waiting for your approval", f"/estimates/{estimate.id}"),
                          ("was updated", f"/requests/{request.id}")):
        found = [url for url in links(mail(mailbox, world["dana"].email, subject))
                 if urlsplit(url).path == path]
        assert found, (subject, links(mail(mailbox, world["dana"].email, subject)))
        assert all(shop_of(url) == "harbor-diesel" for url in found), found
        response, visited = open_as_visitor(app, found[0])
        assert urlsplit(visited[-1]).path == "/login" and shop_of(visited[-1]) == "harbor-diesel"
        assert response.status_code == 200
        assert_branded(response.get_data(as_text=True), world["shop"])
        # and logged in, the same link is the document
        assert portal_client(app, world["dana"]).get(found[0][len(BASE_URL):]).status_code == 200


# --- staff Forgot password? -------------------------------------------------------------------


def test_staff_forgot_password_end_to_end(app, make, world, mailbox, read):
    member = make.staff(world["shop"], role="staff", name="Sam Service",
                        email="sam@harbor.example")
    elsewhere = staff_client(app, member)  # another browser, logged in: it ends with the reset
    visitor = app.test_client()
    login = visitor.get("/staff/login").get_data(as_text=True)
    assert 'href="/staff/forgot-password">Forgot password?</a>' in login
    page = visitor.get("/staff/forgot-password")
    assert page.status_code == 200 and "Forgot your password?" in page.get_data(as_text=True)
    assert 'href="/staff/login">Back to log in' in page.get_data(as_text=True)
    sent = visitor.post_form("/staff/forgot-password", {"email": "SAM@harbor.example"})
    assert sent.status_code == 200
    assert "Check your email" in sent.get_data(as_text=True)

    message = mail(mailbox, member.email, "Reset your")
    assert "console login" in message.text and "Sam Service" in message.text
    link = next(url for url in links(message) if "/staff/reset/" in url)
    path = urlsplit(link).path
    form = visitor.get(path)
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    assert visitor.post_form(path, {"new_password": "short",
                                    "confirm_password": "short"}).status_code == 422
    done = visitor.post_form(path, {"new_password": NEW_PASSWORD,
                                    "confirm_password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/staff/"
    assert visitor.get("/staff/").status_code == 200  # logged in with the new password

    assert elsewhere.get("/staff/").status_code == 302  # every other session ended
    assert visitor.get(path).status_code == 410  # the link worked once
    old = app.test_client().post_form("/staff/login", {"email": member.email,
                                                       "password": PASSWORD})
    assert old.status_code == 422
    app.test_client().login_staff(member.email, NEW_PASSWORD)
    changed = mail(mailbox, member.email, "was changed")
    assert any(urlsplit(url).path == "/staff/forgot-password" for url in links(changed))
    assert read(lambda: db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "staff_password_reset"))) == 1


def test_staff_forgot_password_says_the_same_whoever_asks(app, make, world, mailbox, read):
    make.staff(world["shop"], email="sam@harbor.example")
    make.staff(world["shop"], email="gone@harbor.example", active=False)
    invited = make.staff(world["shop"], email="new@harbor.example")

    def not_joined_yet():  # invited, no password chosen yet: the invitation is the way in
        db.session.execute(update(StaffUser).where(StaffUser.id == invited.id)
                           .values(password_hash=None))
        db.session.commit()

    read(not_joined_yet)
    answers = set()
    for email in ("sam@harbor.example", "nobody@harbor.example", "gone@harbor.example",
                  "new@harbor.example", world["dana"].email):  # a customer: not a staff login
        response = app.test_client().post_form("/staff/forgot-password", {"email": email})
        assert response.status_code == 200
        answers.add(strip_volatile(response.get_data(as_text=True)).replace(email, "EMAIL"))
    assert len(answers) == 1
    wait_for(lambda: mailbox.to("sam@harbor.example"))
    sent = read(lambda: db.session.scalars(select(Token.email).where(
        Token.kind == Token.PASSWORD_RESET)).all())
    assert sent == ["sam@harbor.example"]


def test_staff_forgot_password_is_rate_limited(app, make, world):
    make.staff(world["shop"], email="sam@harbor.example")
    client = app.test_client()
    for _ in range(3):  # RESET_RATE_LIMIT: 3 per 15 minutes per address
        assert client.post_form("/staff/forgot-password",
                                {"email": "sam@harbor.example"}).status_code == 200
    response = client.post_form("/staff/forgot-password", {"email": "sam@harbor.example"})
    assert response.status_code == 429 and response.headers.get("Retry-After", "").isdigit()


def test_a_reset_link_opens_only_on_its_own_side(app, make, world):
    member = make.staff(world["shop"], email="sam@harbor.example")
    customer_link = issue_reset(app, world["dana"])
    staff_link = issue_staff_reset(app, member)
    client = app.test_client()
    assert client.get(f"/staff/reset/{customer_link}").status_code == 404
    assert client.get(f"/reset/{staff_link}").status_code == 404
    for path in (f"/staff/reset/{customer_link}", f"/reset/{staff_link}"):
        response = client.post_form(path, {"new_password": NEW_PASSWORD,
                                           "confirm_password": NEW_PASSWORD})
        assert response.status_code == 404, path
    assert client.get(f"/reset/{customer_link}").status_code == 200
    assert client.get(f"/staff/reset/{staff_link}").status_code == 200
    # a link nobody issued, on either side: 404, never an error
    assert client.get("/staff/reset/" + "x" * 300).status_code == 404


# --- a void invoice ---------------------------------------------------------------------------


def test_a_void_invoice_owes_nothing_and_says_its_reason_once(app, make, world, runner):
    invoice = make.invoice(world["acme"], state="void", number="INV-0004",
                           lines=[("Duplicate of INV-0003", 1, 9800)],
                           void_reason="Issued twice by mistake.")
    portal = portal_client(app, world["dana"])
    staff = staff_client(app, world["admin"])
    pages = {"portal": portal.get(f"/invoices/{invoice.id}").get_data(as_text=True),
             "portal print": portal.get(f"/invoices/{invoice.id}/print").get_data(as_text=True),
             "console": staff.get(f"/staff/invoices/{invoice.id}").get_data(as_text=True),
             "console print": staff.get(f"/staff/invoices/{invoice.id}/print")
             .get_data(as_text=True)}
    for name, page in pages.items():
        due = re.search(r'<tr class="due"><th[^>]*>Amount due</th><td class="num">([^<]+)</td>',
                        page)
        assert due and due.group(1) == "$0.00", name
        assert "$98.00" in page, name  # the total it had stays readable
    assert "Issued twice by mistake. There is nothing to pay." in pages["portal"]
    assert "mistake.." not in pages["portal"]
    # without a reason, and with one that has no period of its own
    bare = make.invoice(world["acme"], state="void", number="INV-0005")
    page = portal.get(f"/invoices/{bare.id}").get_data(as_text=True)
    assert f"cancelled by {SHOP_NAME}. There is nothing to pay." in page
    typed = make.invoice(world["acme"], state="void", number="INV-0006",
                         void_reason="Wrong customer")
    page = portal.get(f"/invoices/{typed.id}").get_data(as_text=True)
    assert ": Wrong customer. There is nothing to pay." in page
    # the stored figures are the writer's (nothing was patched): invoices check agrees
    result = runner.invoke(args=["invoices", "check"])
    assert result.exit_code == 0, result.output


# --- one support phone ------------------------------------------------------------------------


def test_the_phone_shown_anywhere_is_the_shops_setting(app, make, world, mailbox):
    make.payment_settings(world["shop"], invoice_notifications=True,
                          pay_instead_text="We take checks by mail.")
    staff = staff_client(app, world["admin"])
    draft = make.invoice(world["acme"], state="draft", number="INV-0200")
    assert staff.post_form(f"/staff/invoices/{draft.id}/issue").status_code == 303
    portal = portal_client(app, world["dana"])
    email = mail(mailbox, world["dana"].email, "New invoice")
    places = {
        "help (logged in)": portal.get("/help").get_data(as_text=True),
        "help (visitor)": app.test_client().get("/help?shop=harbor-diesel").get_data(
            as_text=True),
        "invoice page": portal.get(f"/invoices/{draft.id}").get_data(as_text=True),
        "invoice print": portal.get(f"/invoices/{draft.id}/print").get_data(as_text=True),
        "console invoice": staff.get(f"/staff/invoices/{draft.id}").get_data(as_text=True),
        "email text": email.text,
        "email html": email.html,
    }
    for name, text in places.items():
        assert phones(text) == phones(PHONE), (name, PHONE_LIKE.findall(text))
    assert "Questions? Call +1 603 555 0199." in places["invoice page"]
    assert "Questions? Call +1 603 555 0199." in places["email text"]


def test_the_demo_names_one_phone(app, runner, read):
    assert runner.invoke(args=["demo"]).exit_code == 0
    phone = read(lambda: db.session.scalar(select(Shop.support_phone)))
    overdue = read(lambda: db.session.scalar(select(Invoice.id).where(
        Invoice.number == "INV-0001")))
    client = app.test_client()
    client.login_portal("dana@acme-logistics.example", "demo-customer-pass")
    for path in ("/help", f"/invoices/{overdue}", f"/invoices/{overdue}/print"):
        page = client.get(path).get_data(as_text=True)
        assert phones(page) == phones(phone), (path, PHONE_LIKE.findall(page))


# --- the dashboards sum what is to pay --------------------------------------------------------


def test_dashboards_sum_what_is_to_pay_overdue_included(app, make, world):
    acme = world["acme"]
    make.invoice(acme, lines=[("Brake service", 1, 73900)], due_in_days=-30)  # overdue
    make.invoice(acme, lines=[("DOT inspection", 1, 55500)], due_in_days=18)
    make.invoice(acme, lines=[("Tire rotation", 1, 27900)], due_in_days=28)
    processing = make.invoice(acme, lines=[("Alignment", 1, 14900)])
    make.payment(processing, 14900, method="ach", status="processing")
    make.invoice(acme, lines=[("Draft", 1, 99900)], state="draft")
    make.invoice(acme, lines=[("Void", 1, 9800)], state="void")
    page = portal_client(app, world["dana"]).get("/").get_data(as_text=True)
    to_pay = re.sub(r"<[^>]+>", "", re.search(r'<li id="to-pay">(.*?)</li>', page).group(1))
    assert to_pay == "3 to pay · $1,573.00, $739.00 overdue"
    assert "1 processing" in page
    console = staff_client(app, world["admin"]).get("/staff/").get_data(as_text=True)
    assert "<strong>3</strong><span>invoices to pay · $1,573.00, overdue included" in console
    assert "<strong>1</strong><span>invoices overdue · $739.00" in console


def test_a_dashboard_without_overdue_invoices_says_no_overdue(app, make, world):
    make.invoice(world["acme"], lines=[("DOT inspection", 1, 55500)], due_in_days=18)
    page = portal_client(app, world["dana"]).get("/").get_data(as_text=True)
    to_pay = re.sub(r"<[^>]+>", "", re.search(r'<li id="to-pay">(.*?)</li>', page).group(1))
    assert to_pay == "1 to pay · $555.00"
