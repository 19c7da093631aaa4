"""The page cache (portal_app/page_cache.py): a kept page is served again only while nothing in
the database changed, only to the session it was made for, with fresh nonces and submission
keys, and never past a write, a cut access or the quarter hour."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text, update

from bench.page_weight import count_queries
from portal_app.extensions import db
from portal_app.models import Comment, Customer, DataRevision, Invoice, utcnow
from tests.conftest import CSRF_RE
from tests.factories import PASSWORD

NONCE = re.compile(r'<style nonce="([^"]+)"')
KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')


@pytest.fixture
def staff(app, make, shop):
    """An Administrator of the shop of conftest's `portal` (Dana of Acme Logistics)."""
    client = app.test_client()
    client.login_staff(make.staff(shop, role="admin", email="ava@harbor.example").email,
                       PASSWORD)
    return client


def revision(read) -> int:
    return read(lambda: db.session.scalar(select(DataRevision.value)))


def test_a_kept_page_is_served_with_only_the_login_query_and_fresh_nonces(app, portal, make,
                                                                           acme):
    invoice = make.invoice(acme, lines=(("Brake job", 1, 48000),))
    portal.get("/")  # the first page after logging in adds the CSRF token to the session
    first = portal.get(f"/invoices/{invoice.id}")
    assert first.status_code == 200
    with count_queries(app) as seen:
        again = portal.get(f"/invoices/{invoice.id}")
    assert again.status_code == 200 and len(seen) == 1, seen  # the login loader only
    assert "data_revision" in seen[0]
    one, two = (NONCE.search(r.get_data(as_text=True)).group(1) for r in (first, again))
    assert one != two
    assert f"'nonce-{two}'" in again.headers["Content-Security-Policy"]
    assert NONCE.sub("", first.get_data(as_text=True)) == NONCE.sub("", again.get_data(True))
    assert again.headers["Cache-Control"] == "no-store"


def test_every_committed_write_moves_the_revision_and_a_rolled_back_one_does_not(app, acme,
                                                                                 read):
    start = revision(read)
    with app.app_context():
        db.session.execute(update(Customer).values(name="Acme Freight"))
        db.session.rollback()
        assert db.session.scalar(select(DataRevision.value)) == start
        db.session.execute(update(Customer).values(name="Acme Freight"))
        db.session.commit()
        assert db.session.scalar(select(DataRevision.value)) == start + 1
        with db.engine.begin() as conn:  # a Core statement outside the ORM session
            conn.execute(text("UPDATE customer SET name = 'Acme Logistics'"))
        assert db.session.scalar(select(DataRevision.value)) == start + 2
        db.session.remove()
        with db.engine.connect() as conn:  # reads alone never move it
            conn.execute(select(Customer.id)).all()
            conn.commit()
    assert revision(read) == start + 2


def test_a_change_by_staff_shows_on_the_next_view_of_a_kept_page(portal, staff, make, acme):
    invoice = make.invoice(acme, lines=(("Brake job", 1, 48000),))
    before = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "$480.00" in before and "1042" not in before
    assert invoice.number not in portal.get("/invoices?status=paid").get_data(as_text=True)
    recorded = staff.post_form(f"/staff/invoices/{invoice.id}/payments",
                               {"amount": "480.00", "method": "check", "reference": "1042",
                                "paid_on": utcnow().date().isoformat()})
    assert recorded.status_code == 303
    after = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert after != before and "1042" in after
    listed = portal.get("/invoices?status=paid").get_data(as_text=True)
    assert invoice.number in listed


def test_a_change_made_outside_the_app_shows_too(app, portal, make, acme):
    invoice = make.invoice(acme, lines=(("Brake job", 1, 48000),))
    portal.get("/")
    for _ in range(2):  # rendered and kept, then served
        assert invoice.number in portal.get("/invoices").get_data(as_text=True)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(update(Invoice).where(Invoice.id == invoice.id)
                         .values(number="RENAMED-1"))
    assert "RENAMED-1" in portal.get("/invoices").get_data(as_text=True)


def test_two_tabs_of_a_kept_page_get_their_own_submission_keys_and_both_comments_land(
        app, portal, make, acme, read):
    estimate = make.estimate(acme)
    portal.get("/")
    tab_one = portal.get(f"/estimates/{estimate.id}").get_data(as_text=True)
    with count_queries(app) as seen:
        tab_two = portal.get(f"/estimates/{estimate.id}").get_data(as_text=True)
    assert len(seen) == 1  # the kept page
    key_one, key_two = KEY.search(tab_one).group(1), KEY.search(tab_two).group(1)
    assert key_one != key_two and len(key_two) >= 32
    url = f"/estimates/{estimate.id}/comments"
    for key, body in ((key_one, "From the first tab"), (key_two, "From the second tab")):
        assert portal.post_form(url, {"body": body, "submission_key": key}).status_code == 303
    bodies = read(lambda: db.session.scalars(select(Comment.body)).all())
    assert sorted(bodies) == ["From the first tab", "From the second tab"]


def test_a_kept_page_is_only_ever_served_to_its_own_session(app, make, shop, acme, dana,
                                                             portal):
    other = make.customer(shop, "Birch Transit")
    make.active_contact(other, name="Omar", email="omar@birch.example")
    make.invoice(acme, lines=(("Acme's job", 1, 1000),))
    make.invoice(other, lines=(("Birch's job", 1, 2000),))
    dana_page = portal.get("/invoices").get_data(as_text=True)
    omar = app.test_client()
    omar.login_portal("omar@birch.example", PASSWORD)
    omar_page = omar.get("/invoices").get_data(as_text=True)
    assert "$10.00" in dana_page and "$20.00" not in dana_page
    assert "$20.00" in omar_page and "$10.00" not in omar_page
    # A second session of the same person gets its own page (its own CSRF token) ...
    second = app.test_client()
    second.login_portal(dana.email, PASSWORD)
    def token(client) -> str:
        found = CSRF_RE.search(client.get("/invoices").get_data(as_text=True))
        return found.group(1) or found.group(2)

    assert token(second) != token(portal) and token(portal) == token(portal)
    # ... and a cookie-less request is sent to the login, kept pages or not.
    anonymous = app.test_client().get("/invoices")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_cutting_access_ends_a_session_even_on_a_kept_page(portal, staff, dana):
    assert portal.get("/").status_code == 200
    assert portal.get("/").status_code == 200
    disabled = staff.post_form(f"/staff/contacts/{dana.id}/disable")
    assert disabled.status_code == 303
    answer = portal.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_flash_is_shown_once_and_never_kept(portal, make, acme):
    estimate = make.estimate(acme)
    url = f"/estimates/{estimate.id}"
    key = KEY.search(portal.get(url).get_data(as_text=True)).group(1)
    posted = portal.post_form(f"{url}/comments", {"body": "Thursday?", "submission_key": key},
                              follow_redirects=True)
    page = posted.get_data(as_text=True)
    assert "Thursday?" in page and 'class="flash' in page
    shown = portal.get(url).get_data(as_text=True)
    assert "Thursday?" in shown and 'class="flash' not in shown


def test_the_quarter_hour_renders_again(app, portal):
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert portal.get("/").status_code == 200  # adds the CSRF token to the session
        assert portal.get("/").status_code == 200  # kept
        with count_queries(app) as kept:
            portal.get("/")
        clock.shift(timedelta(minutes=16))
        with count_queries(app) as renewed:
            assert portal.get("/").status_code == 200
    assert len(kept) == 1 and len(renewed) > 1


def test_a_fragment_and_the_whole_page_are_kept_apart(portal, make, acme):
    numbers = [make.invoice(acme, lines=((f"Job {n}", 1, 1000),)).number
               for n in range(3)]
    whole = portal.get("/invoices").get_data(as_text=True)
    fragment = portal.get("/invoices", headers={"HX-Request": "true", "HX-Target": "div#results"})
    again = portal.get("/invoices").get_data(as_text=True)
    part = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in part and 'id="results"' in part
    assert "<html" in whole and "<html" in again
    assert all(number in part and number in again for number in numbers)


def test_the_revision_row_is_made_by_the_migration_and_rebuilt_after_an_emptied_table(app,
                                                                                      read):
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(DataRevision.__table__.delete())
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE customer SET name = name"))
        assert db.session.scalar(select(func.count()).select_from(DataRevision)) == 1
        db.session.remove()


def test_a_worker_keeps_at_most_page_cache_bytes_of_pages():
    from portal_app.page_cache import Entry, PageCache

    cache = PageCache(100_000)
    for n in range(100):
        cache.put((n, "/invoices", b"", f"session {n}"), Entry((b"x" * 5000,), {}, 200, []))
    assert 0 < len(cache) <= 20
    assert cache.get((99, "/invoices", b"", "session 99")) is not None  # the newest stay
    assert cache.get((0, "/invoices", b"", "session 0")) is None
    cache.put(("huge",), Entry((b"x" * 50_000,), {}, 200, []))  # over an eighth: not kept
    assert cache.get(("huge",)) is None


def test_a_write_in_one_worker_renews_the_pages_another_worker_keeps(app, staff, make, acme,
                                                                      dana):
    """Two workers (two apps on one database, as gunicorn -w 2 runs them): each keeps its own
    pages, and the revision in the database tells both when one of them wrote."""
    from portal_app import create_app

    keys = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "PORTAL_BASE_URL", "RATELIMIT_STORAGE_URI",
            "MAIL_SERVER", "MAIL_PORT", "MAIL_DEFAULT_SENDER")
    other = create_app({"TESTING": True, "PORTAL_ENV": "test",
                        **{key: app.config[key] for key in keys}})
    other.test_client_class = type(app.test_client())
    invoice = make.invoice(acme, lines=(("Brake job", 1, 48000),))
    browser = other.test_client()
    browser.login_portal(dana.email, PASSWORD)
    url = f"/invoices/{invoice.id}"
    for _ in range(3):
        assert "1042" not in browser.get(url).get_data(as_text=True)
    assert len(other.extensions["page_cache"]) >= 1
    recorded = staff.post_form(f"/staff/invoices/{invoice.id}/payments",
                               {"amount": "480.00", "method": "check", "reference": "1042",
                                "paid_on": utcnow().date().isoformat()})
    assert recorded.status_code == 303  # written by the first worker
    assert "1042" in browser.get(url).get_data(as_text=True)  # shown by the second
    with other.app_context():
        db.engine.dispose()
