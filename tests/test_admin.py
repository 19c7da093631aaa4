"""Running the portal (issue 10): settings, staff and roles, the audit log, Preview as customer,
the shop menu, /help and the shop's clock."""

from __future__ import annotations

import io
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import AuditEntry, Shop, StaffUser
from tests.conftest import wait_for
from tests.factories import PASSWORD

HTMX = {"HX-Request": "true"}
PASSPHRASE = "lantern orbit cactus harbor"


@pytest.fixture
def shop(make):
    return make.shop("Harbor Diesel", slug="harbor-diesel")


@pytest.fixture
def admin(make, shop):
    return make.staff(shop, role="admin", email="ava@harbor.example", name="Ava Admin")


@pytest.fixture
def console(app, admin):
    client = app.test_client()
    client.login_staff(admin.email, PASSWORD)
    return client


def _settings_form(**changes) -> dict:
    form = {"name": "Harbor Diesel", "brand_color": "#1f5f8b", "support_email": "",
            "support_phone": "", "pay_instead_text": "", "timezone": "America/New_York",
            "invoice_notifications": "y", "payment_terms_days": "30", "tax_name": "Sales tax",
            "tax_rate": "", "parts_taxable": "y", "fee_taxable": "y"}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def _audit(read, action: str) -> list[str]:
    return read(lambda: db.session.scalars(select(AuditEntry.detail).where(
        AuditEntry.action == action).order_by(AuditEntry.id)).all())


def _upload(client, fields: dict, logo: tuple[bytes, str] | None = None):
    """POST the settings form as a browser does (multipart), the body built up front."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    values = {**fields, "csrf_token": client.csrf_token()}
    if logo is not None:
        values["logo"] = FileStorage(io.BytesIO(logo[0]), filename=logo[1])
    boundary, body = encode_multipart(values)
    return client.post("/staff/settings", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _png(size=(200, 60), color=(200, 30, 30), fmt="PNG", extra: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue() + extra


# --- settings ----------------------------------------------------------------------------------

def test_settings_save_name_colour_support_contact_zone_and_notifications(console, shop, read):
    page = console.get("/staff/settings").get_data(as_text=True)
    for label in ("Shop name", "Brand colour", "Logo", "Support email", "Phone",
                  "Time zone", "How to pay when online payment is unavailable",
                  "Email billing contacts when an invoice is issued", "Save settings"):
        assert label in page, label
    response = console.post_form("/staff/settings", _settings_form(
        name="Harbor Diesel & Marine", brand_color="#0B3D2E", support_email="help@harbor.example",
        support_phone="+1 555 0100", pay_instead_text="Mail a check to 1 Harbor Road.",
        timezone="America/Los_Angeles", invoice_notifications=None))
    assert response.status_code == 303
    saved = read(lambda: db.session.get(Shop, shop.id))
    assert (saved.name, saved.brand_color, saved.support_email, saved.support_phone,
            saved.timezone) == ("Harbor Diesel & Marine", "#0b3d2e", "help@harbor.example",
                                "+1 555 0100", "America/Los_Angeles")
    page = console.get("/staff/settings").get_data(as_text=True)
    assert 'value="+1 555 0100"' in page and "Mail a check to 1 Harbor Road." in page
    assert '<option selected value="America/Los_Angeles">' in page
    assert 'name="invoice_notifications" type="checkbox" value="y">' in page  # off now
    assert "--brand:#0b3d2e" in console.get("/staff/").get_data(as_text=True)
    assert _audit(read, "settings_changed")[-1].startswith("name, brand color, support email")


@pytest.mark.parametrize("color, problem", [
    ("#ffff00", "White text on this colour is hard to read"),
    ("#88ccff", "White text on this colour is hard to read"),
    ("red", "Enter a colour as # and six hex digits"),
    ("#12345", "Enter a colour as # and six hex digits"),
])
def test_an_unreadable_brand_colour_is_refused_and_keeps_what_was_typed(console, shop, read,
                                                                       color, problem):
    response = console.post_form("/staff/settings", _settings_form(
        brand_color=color, support_email="kept@harbor.example"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and problem in body
    assert f'value="{color}"' in body and 'value="kept@harbor.example"' in body
    assert read(lambda: db.session.get(Shop, shop.id)).brand_color == "#1f5f8b"


@pytest.mark.parametrize("field, value, message", [
    ("timezone", "Mars/Olympus_Mons", "time zone from the list."),
    ("support_email", "not an email", "Enter an email address like help@example.com."),
    ("name", "", "Enter the name customers know the shop by."),
    ("name", "Harbor\r\nBcc: x@evil.example", "Use a single line"),
])
def test_settings_fields_get_their_message(console, field, value, message):
    response = console.post_form("/staff/settings", _settings_form(**{field: value}))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_logo_is_re_encoded_served_with_nosniff_and_shown(console, shop, read, client):
    big = _png(size=(1200, 400))
    response = _upload(console, _settings_form(), (big, "logo.png"))
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    saved = read(lambda: db.session.get(Shop, shop.id))
    assert saved.logo_type == "image/png" and saved.logo_hash
    url = f"/logo/{shop.id}/{saved.logo_hash}"
    served = client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.size == (480, 160)  # shrunk to fit the header box
    assert url in console.get("/staff/").get_data(as_text=True)
    assert client.get(f"/logo/{shop.id}/0000000000000000").status_code == 404
    response = _upload(console, _settings_form(remove_logo="y"))
    assert response.status_code == 303
    assert read(lambda: db.session.get(Shop, shop.id)).logo_hash is None
    assert client.get(url).status_code == 404


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
       b'</script></svg>')


@pytest.mark.parametrize("name, data, message", [
    ("logo.svg", SVG, "SVG and other text files can&#39;t be used"),
    ("logo.gif", _png(fmt="GIF"), "Upload a PNG or JPEG file."),
    ("logo.png", b"\x89PNG\r\n\x1a\nnot really", "not a PNG or JPEG image we can read"),
    ("logo.png", _png(size=(2000, 2000), color=(1, 2, 3)) + b"\0" * (600 * 1024),
     "keep it under 512 KB"),
    # over the app's 1 MB body limit, under the settings form's 2 MB: still the field's
    # message (the form's limit is set before the CSRF check reads the body)
    ("logo.png", _png(size=(20, 20)) + b"\0" * (1536 * 1024), "keep it under 512 KB"),
    ("logo.html", b"<html><script>alert(1)</script></html>", "SVG and other text files"),
    # cut off halfway: refused, though WeasyPrint (imported by the app) makes Pillow load
    # truncated images
    ("logo.png", _png(size=(300, 100))[:-40], "not a PNG or JPEG image we can read"),
])
def test_a_wrong_logo_is_refused_next_to_the_field(console, shop, read, name, data, message):
    response = _upload(console, _settings_form(name="Kept Name"), (data, name))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body, body[-2000:]
    assert 'value="Kept Name"' in body
    assert read(lambda: db.session.get(Shop, shop.id)).logo_hash is None


def test_a_polyglot_logo_keeps_only_its_pixels(console, shop, read, client):
    """A PNG with HTML and script appended (a polyglot) is re-encoded: nothing but the image
    is stored or served."""
    polyglot = _png(extra=b"<html><script>alert(document.cookie)</script></html>")
    response = _upload(console, _settings_form(), (polyglot, "logo.png"))
    assert response.status_code == 303
    saved = read(lambda: db.session.get(Shop, shop.id))
    served = client.get(f"/logo/{shop.id}/{saved.logo_hash}").data
    assert b"<script" not in served and b"<html" not in served
    assert served.startswith(b"\x89PNG")


def test_an_upload_over_the_request_limit_is_a_clear_413(console):
    response = _upload(console, _settings_form(), (b"\0" * (3 * 1024 * 1024), "huge.png"))
    assert response.status_code == 413 and "That upload is too large" in response.get_data(
        as_text=True)


# --- the shop's clock ----------------------------------------------------------------------------

def test_dates_times_and_today_follow_the_shop_time_zone(app, make, shop, admin, read):
    """At 02:30 UTC on 2 Dec it is still 1 Dec in New York: an invoice due 1 Dec is not overdue
    yet there, and times read as the shop's clock; in Tokyo it is 2 Dec 11:30. Both logins
    happen inside the travelled time: a session from another day is refused, as it should be."""
    customer = make.customer(shop, "Acme Logistics")
    contact = make.active_contact(customer, email="dana@acme.example")
    make.invoice(customer, number="INV-TZ", due_on=datetime(2026, 12, 1).date(),
                 issued_on=datetime(2026, 11, 1).date())
    with time_machine.travel(datetime(2026, 12, 2, 2, 30, tzinfo=timezone.utc), tick=False):
        portal = app.test_client()
        portal.login_portal(contact.email, PASSWORD)
        console = app.test_client()
        console.login_staff(admin.email, PASSWORD)
        assert "badge-overdue" not in portal.get("/invoices").get_data(as_text=True)
        console.post_form(f"/staff/contacts/{contact.id}/password-reset")
        log = console.get(f"/staff/contacts/{contact.id}").get_data(as_text=True)
        assert "1 Dec 2026 21:30 EST" in log
        console.post_form("/staff/settings", _settings_form(timezone="Asia/Tokyo"))
        assert "badge-overdue" in portal.get("/invoices").get_data(as_text=True)
        log = console.get(f"/staff/contacts/{contact.id}").get_data(as_text=True)
        assert "2 Dec 2026 11:30 JST" in log


# --- staff and roles ------------------------------------------------------------------------------

def test_invite_a_staff_member_who_sets_a_password_and_is_staff(app, console, shop, read,
                                                                mailbox):
    page = console.get("/staff/users").get_data(as_text=True)
    assert "Invite staff member" in page and "Make Staff" not in page  # none on your own row
    response = console.post_form("/staff/users/invite", {
        "name": "Sam Service", "email": "Sam@Harbor.example", "role": "staff"})
    assert response.status_code == 303
    again = console.post_form("/staff/users/invite", {
        "name": "Sam Again", "email": "sam@harbor.example", "role": "staff"})
    assert again.status_code == 422 and "already has a staff login" in again.get_data(
        as_text=True)
    mail = wait_for(lambda: mailbox.to("sam@harbor.example"))
    link = re.search(r"http://portal\.test(/staff/invite/[\w-]+)", mail[0].text).group(1)
    assert "invited you to the console" in mail[0].text
    newcomer = app.test_client()
    assert newcomer.get(link).headers["Referrer-Policy"] == "no-referrer"
    response = newcomer.post_form(link, {"new_password": PASSPHRASE,
                                         "confirm_password": PASSPHRASE})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    assert newcomer.get("/staff/").status_code == 200
    assert newcomer.get("/staff/settings").status_code == 403
    assert newcomer.get("/staff/users").status_code == 403
    assert app.test_client().get(link).status_code == 410  # used once
    fresh = app.test_client()
    fresh.login_staff("sam@harbor.example", PASSPHRASE)
    assert [a.split(" <")[0] for a in _audit(read, "staff_invited")] == ["Sam Service"]
    assert _audit(read, "staff_joined") == ["Sam Service <sam@harbor.example>"]


def test_nobody_removes_their_own_admin_role_or_deactivates_themselves(console, admin, read):
    for url, data in ((f"/staff/users/{admin.id}/role", {"role": "staff"}),
                      (f"/staff/users/{admin.id}/deactivate", {})):
        response = console.post_form(url, data)
        assert response.status_code == 303
        page = console.get("/staff/users").get_data(as_text=True)
        assert "You can&#39;t" in page, url
    me = read(lambda: db.session.get(StaffUser, admin.id))
    assert (me.role, me.active) == ("admin", True)
    assert _audit(read, "role_changed") == []


def test_the_last_active_administrator_stays(make, shop, console, admin, read):
    other = make.staff(shop, role="admin", email="bo@harbor.example", name="Bo Admin")
    assert console.post_form(f"/staff/users/{other.id}/role", {"role": "staff"}).status_code \
        == 303
    assert read(lambda: db.session.get(StaffUser, other.id)).role == "staff"
    # a deactivated admin doesn't count: make Bo admin again, deactivate, then no demotion
    console.post_form(f"/staff/users/{other.id}/role", {"role": "admin"})
    console.post_form(f"/staff/users/{other.id}/deactivate")
    assert read(lambda: db.session.get(StaffUser, other.id)).active is False
    assert _audit(read, "role_changed") == [
        "Bo Admin <bo@harbor.example>: Administrator → Staff",
        "Bo Admin <bo@harbor.example>: Staff → Administrator"]
    assert _audit(read, "staff_deactivated") == ["Bo Admin <bo@harbor.example>"]


def test_two_concurrent_demotions_leave_one_administrator(app, make, shop, read):
    """Two admins demote each other at the same moment: one is refused."""
    first = make.staff(shop, role="admin", email="a1@harbor.example", name="Ann")
    second = make.staff(shop, role="admin", email="a2@harbor.example", name="Ben")
    clients = []
    for member in (first, second):
        client = app.test_client()
        client.login_staff(member.email, PASSWORD)
        clients.append((client, client.csrf_token()))
    barrier, answers = threading.Barrier(2), []

    def demote(pair, target):
        client, token = pair
        barrier.wait()
        answers.append(client.post(f"/staff/users/{target.id}/role",
                                   data={"role": "staff", "csrf_token": token}).status_code)

    threads = [threading.Thread(target=demote, args=(clients[0], second)),
               threading.Thread(target=demote, args=(clients[1], first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # the loser is told: either the rule's message (303 back to Users) or, when the other
    # demotion landed first, 403 because they are no longer an Administrator
    assert sorted(answers) in ([303, 303], [303, 403]), answers
    roles = read(lambda: db.session.scalars(select(StaffUser.role).where(
        StaffUser.shop_id == shop.id).order_by(StaffUser.id)).all())
    assert sorted(roles) == ["admin", "staff"], roles
    assert len(_audit(read, "role_changed")) == 1


def test_deactivation_ends_sessions_for_good_and_reactivation_needs_a_new_login(app, make, shop,
                                                                              console, read):
    sam = make.staff(shop, role="staff", email="sam@harbor.example")
    old = app.test_client()
    old.login_staff(sam.email, PASSWORD)
    assert console.post_form(f"/staff/users/{sam.id}/deactivate").status_code == 303
    assert old.get("/staff/").status_code == 302
    refused = app.test_client().post_form("/staff/login", {"email": sam.email,
                                                           "password": PASSWORD})
    assert refused.status_code == 422
    assert console.post_form(f"/staff/users/{sam.id}/reactivate").status_code == 303
    assert old.get("/staff/").status_code == 302  # the old cookie stays dead
    again = app.test_client()
    again.login_staff(sam.email, PASSWORD)
    assert again.get("/staff/").status_code == 200


def test_admin_of_another_shop_cannot_touch_our_staff(app, make, shop, read):
    sam = make.staff(shop, role="staff", email="sam@harbor.example")
    elsewhere = make.staff(make.shop("Summit"), role="admin")
    client = app.test_client()
    client.login_staff(elsewhere.email, PASSWORD)
    for action, data in (("role", {"role": "admin"}), ("deactivate", {}), ("reactivate", {}),
                         ("resend", {})):
        assert client.post_form(f"/staff/users/{sam.id}/{action}", data).status_code == 404
    assert "sam@harbor.example" not in client.get("/staff/users").get_data(as_text=True)
    member = read(lambda: db.session.get(StaffUser, sam.id))
    assert (member.role, member.active) == ("staff", True)


def test_restore_admin_from_the_command_line_is_audited(runner, make, shop, read):
    sam = make.staff(shop, role="staff", email="sam@harbor.example", active=False)
    result = runner.invoke(args=["roles", "restore-admin", "SAM@harbor.example"])
    assert result.exit_code == 0 and "is an Administrator of Harbor Diesel again" in \
        result.output
    member = read(lambda: db.session.get(StaffUser, sam.id))
    assert (member.role, member.active) == ("admin", True)
    entry = read(lambda: db.session.scalar(select(AuditEntry)))
    assert entry.actor_label == "Operator (command line)" and entry.action == "admin_restored"
    assert runner.invoke(args=["roles", "restore-admin", "nobody@x.example"]).exit_code != 0


# --- Preview as customer --------------------------------------------------------------------------

def test_preview_shows_the_customers_portal_read_only_and_is_audited(app, make, shop, console,
                                                                    read):
    acme = make.customer(shop, "Acme Logistics")
    make.customer(shop, "Birch Construction")
    dana = make.active_contact(acme, email="dana@acme.example")
    make.invoice(acme, number="INV-PV")
    asset = make.asset(acme, "T-101")
    menu = console.get("/staff/").get_data(as_text=True)
    assert re.search(r'<a href="/staff/preview" target="_blank" rel="noopener">Customer '
                     r'Portal</a>', menu)
    listing = console.get("/staff/preview?q=acme").get_data(as_text=True)
    assert "Acme Logistics" in listing and "Birch" not in listing
    response = console.post_form(f"/staff/preview/{acme.id}")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    home = console.get("/").get_data(as_text=True)
    assert "Preview:" in home and "Acme Logistics" in home and "End preview" in home
    assert "INV-PV" in console.get("/invoices").get_data(as_text=True)
    assert console.get(f"/assets/{asset.id}").status_code == 200
    assert console.get("/requests/new").status_code == 200
    for url, data in (("/assets/new", {"unit_number": "X-1"}), ("/requests/new/draft",
                                                               {"description": "x"}),
                      (f"/assets/{asset.id}/archive", {}), ("/locations", {"name": "Yard"})):
        refused = console.post_form(url, data)
        assert refused.status_code == 403, url
        assert "This is a preview" in refused.get_data(as_text=True)
    assert console.post_form("/requests/new/draft", {"description": "x"},
                             headers=HTMX).status_code == 403
    assert _audit(read, "preview_started") == [f"Acme Logistics (customer #{acme.id})"]
    # the customer's own contact is unaffected; ending the preview closes the portal again
    assert console.post_form("/staff/preview/end").status_code == 303
    assert console.get("/").status_code == 302
    portal = app.test_client()
    portal.login_portal(dana.email, PASSWORD)
    assert "Preview:" not in portal.get("/").get_data(as_text=True)


def test_see_as_customer_and_every_preview_page_leads_back(app, make, shop, console, read):
    """Issue 19 item 7: See as customer on the customer's console page; every preview page,
    error pages included, has the banner with End preview; a refused write says so; POST /logout
    in preview is refused like every other POST and the Administrator stays logged in."""
    acme = make.customer(shop, "Acme Logistics")
    page = console.get(f"/staff/customers/{acme.id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/staff/preview/\d+)" target="_blank">'
                     r'<input type="hidden" name="csrf_token" value="[^"]+"><button class="btn">'
                     r'See as customer</button></form>', page)
    assert form and form.group(1) == f"/staff/preview/{acme.id}"
    assert console.post_form(form.group(1)).headers["Location"] == "/"
    banner = ("Preview:</strong> the portal of Acme Logistics", "End preview")
    missing = console.get("/invoices/999999")
    assert missing.status_code == 404
    assert all(text in missing.get_data(as_text=True) for text in banner)
    refused = console.post_form("/assets/new", {"unit_number": "X-1"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "Nothing can be changed in a preview" in body
    assert all(text in body for text in banner)
    for url in ("/logout", "/login", "/accounts", "/forgot-password"):
        response = console.post_form(url, {"email": "someone@example.com", "password": "x"})
        assert response.status_code == 403, url
        assert "Nothing can be changed in a preview" in response.get_data(as_text=True)
    assert console.get("/").status_code == 200  # still logged in, still previewing
    assert console.get("/staff/").status_code == 200
    assert _audit(read, "preview_started") == [f"Acme Logistics (customer #{acme.id})"]


def test_staff_see_no_see_as_customer_button(app, make, shop):
    sam = make.staff(shop, role="staff")
    staff = app.test_client()
    staff.login_staff(sam.email, PASSWORD)
    acme = make.customer(shop, "Acme")
    assert "See as customer" not in staff.get(f"/staff/customers/{acme.id}").get_data(as_text=True)


def test_staff_cannot_preview_and_another_shops_customer_is_404(app, make, shop, console):
    sam = make.staff(shop, role="staff")
    staff = app.test_client()
    staff.login_staff(sam.email, PASSWORD)
    acme = make.customer(shop, "Acme")
    assert staff.post_form(f"/staff/preview/{acme.id}").status_code == 403
    assert staff.get("/").status_code == 302
    foreign = make.customer(make.shop("Summit"), "Foreign Co")
    assert console.post_form(f"/staff/preview/{foreign.id}").status_code == 404
    assert console.get("/").status_code == 302


def test_a_demoted_admin_loses_the_preview(app, make, shop, console, admin, read):
    boss = make.staff(shop, role="admin", email="boss@harbor.example")
    acme = make.customer(shop, "Acme")
    console.post_form(f"/staff/preview/{acme.id}")
    assert console.get("/").status_code == 200
    boss_client = app.test_client()
    boss_client.login_staff(boss.email, PASSWORD)
    assert boss_client.post_form(f"/staff/users/{admin.id}/role",
                                 {"role": "staff"}).status_code == 303
    assert console.get("/").status_code == 302


# --- /help and the footer ---------------------------------------------------------------------

def test_help_answers_customers_and_names_the_shops_support_contact(app, make, shop, console):
    console.post_form("/staff/settings", _settings_form(support_email="help@harbor.example",
                                                        support_phone="+1 555 0100"))
    acme = make.customer(shop, "Acme")
    dana = make.active_contact(acme, email="dana@acme.example")
    portal = app.test_client()
    portal.login_portal(dana.email, PASSWORD)
    home = portal.get("/").get_data(as_text=True)
    assert '<a href="/help?shop=harbor-diesel">Help</a>' in home
    page = portal.get("/help").get_data(as_text=True)
    for text in ("Logging in", "Forgot password?", "Paying an invoice", "pay by card instead",
                 "Requesting service", "Adding a unit", "Unit Number",
                 'href="mailto:help@harbor.example"', "+1 555 0100"):
        assert text in page, text
    anonymous = app.test_client()
    assert "help@harbor.example" in anonymous.get("/help?shop=harbor-diesel").get_data(
        as_text=True)
    generic = anonymous.get("/help").get_data(as_text=True)
    assert "the shop that invited you" in generic
    assert anonymous.get("/help?shop=" + "x" * 500).status_code == 200
    assert 'href="/help' in anonymous.get("/login").get_data(as_text=True)


def test_the_audit_log_lists_what_was_done(console, make, shop, read):
    sam = make.staff(shop, role="staff", email="sam@harbor.example", name="Sam")
    console.post_form(f"/staff/users/{sam.id}/role", {"role": "admin"})
    page = console.get("/staff/audit-log").get_data(as_text=True)
    assert "Role changed" in page and "Sam &lt;sam@harbor.example&gt;: Staff → Administrator" \
        in page and "Ava Admin &lt;ava@harbor.example&gt;" in page
    assert read(lambda: db.session.scalar(select(func.count()).select_from(AuditEntry))) == 1


def test_invitation_links_expire_after_seven_days(app, console, mailbox):
    console.post_form("/staff/users/invite", {"name": "Lee", "email": "lee@harbor.example",
                                              "role": "staff"})
    mail = wait_for(lambda: mailbox.to("lee@harbor.example"))
    link = re.search(r"http://portal\.test(/staff/invite/[\w-]+)", mail[0].text).group(1)
    later = datetime.now(timezone.utc) + timedelta(days=7, seconds=1)
    with time_machine.travel(later, tick=False):
        assert app.test_client().get(link).status_code == 410
