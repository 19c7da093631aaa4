"""Photos and files on comments (issue 21): a customer's comment or a staff reply on an
estimate, a work order or a service request may carry photos and files, or be only photos;
each comment shows its own, served to whoever may see the document and nobody else; a refused
file posts nothing and stores nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import Attachment, Comment
from tests.factories import PASSWORD
from tests.uploads import (HTML_AS_JPG, SVG, file_part, has_no_exif, pdf, photo, png,
                           post_files, stored_keys, too_big)

HTMX = {"HX-Request": "true"}
PAGES = {"estimate": ("/estimates", "/staff/estimates"),
         "work_order": ("/work-orders", "/staff/work-orders"),
         "request": ("/requests", "/staff/requests")}


@pytest.fixture
def world(make, shop, acme, dana):
    """Dana of Acme (A1), Olga of another customer of the same shop (A2), Ben of another
    shop's customer (B), the shop's admin and another shop's admin; a sent estimate, a work
    order and a request of Acme."""
    other = make.customer(shop, "Other Co")
    olga = make.active_contact(other, email="olga@other.example", name="Olga")
    elsewhere = make.shop("Summit Fleet")
    birch = make.customer(elsewhere, "Birch Construction")
    ben = make.active_contact(birch, email="ben@birch.example", name="Ben")
    site = make.location(acme, "Main depot")
    unit = make.asset(acme, "T-101", site)
    return {"shop": shop, "dana": dana, "olga": olga, "ben": ben,
            "admin": make.staff(shop, role="admin", email="ava@harbor.example", name="Ava"),
            "outsider": make.staff(elsewhere, role="admin", email="boss@summit.example"),
            "estimate": make.estimate(acme),
            "work_order": make.work_order(acme, asset_id=unit.id),
            "request": make.service_request(dana, site, unit)}


def _login(app, email, staff=False):
    client = app.test_client()
    (client.login_staff if staff else client.login_portal)(email, PASSWORD)
    return client


@pytest.fixture
def staff(app, world):
    return _login(app, world["admin"].email, staff=True)


def _post(client, url, body="", files=(), key=None, headers=None):
    """Post the thread's form with files ((data, name, content type) tuples)."""
    fields = {"body": body} if key is None else {"body": body, "submission_key": key}
    return post_files(client, url, fields, [file_part(*one) for one in files], headers=headers)


def _count(read, model):
    return read(lambda: db.session.scalar(select(func.count()).select_from(model)))


def _files(read):
    return read(lambda: [(row.comment_id, row.filename, row.kind, row.by_contact_id,
                          row.by_staff_id, row.id)
                         for row in db.session.scalars(select(Attachment).order_by(Attachment.id))])


@pytest.mark.parametrize("kind", ["estimate", "work_order", "request"])
def test_a_customers_comment_with_a_photo_is_shown_and_served_to_its_customer_and_shop_only(
        app, world, staff, portal, read, kind):
    document = world[kind]
    portal_page, console_page = (f"{side}/{document.id}" for side in PAGES[kind])
    form = portal.get(portal_page).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'hx-encoding="multipart/form-data"' in form
    assert '<label for="comment-files">Add photos or files</label>' in form

    answer = _post(portal, f"{portal_page}/comments", "The crack, see photo",
                   [(photo(), "IMG_1.jpg", "image/jpeg")])
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"{portal_page}#thread")
    (comment_id, filename, file_kind, by_contact, by_staff, file_id), = _files(read)
    comment = read(lambda: db.session.scalar(select(Comment)))
    assert (comment_id, filename, file_kind) == (comment.id, "IMG_1.jpg", "image")
    assert (by_contact, by_staff) == (world["dana"].id, None)
    assert comment.body == "The crack, see photo"
    assert len(stored_keys(app)) == 2  # the photo and its thumbnail

    file_url = f"{portal_page}/files/{file_id}"
    page = portal.get(portal_page).get_data(as_text=True)
    assert f'<a href="{file_url}" class="thumb"><img src="{file_url}/thumb"' in page
    assert 'alt="Photo IMG_1.jpg"' in page
    shown = portal.get(file_url)
    assert shown.status_code == 200 and shown.headers["Content-Type"] == "image/jpeg"
    assert has_no_exif(shown.data)
    assert portal.get(file_url + "/thumb").status_code == 200

    console_url = f"{console_page}/files/{file_id}"
    assert f'href="{console_url}"' in staff.get(console_page).get_data(as_text=True)
    assert staff.get(console_url).status_code == 200
    assert staff.get(console_url + "/thumb").status_code == 200

    for stranger in (_login(app, "olga@other.example"), _login(app, "ben@birch.example")):
        for url in (file_url, file_url + "/thumb"):
            assert stranger.get(url).status_code == 404
    outsider = _login(app, "boss@summit.example", staff=True)
    for url in (console_url, console_url + "/thumb"):
        assert outsider.get(url).status_code == 404
    assert _count(read, Attachment) == 1


@pytest.mark.parametrize("kind", ["estimate", "work_order", "request"])
def test_a_staff_reply_with_a_pdf_comes_back_in_the_thread(app, world, staff, portal, read,
                                                          kind, mailbox):
    document = world[kind]
    portal_page, console_page = (f"{side}/{document.id}" for side in PAGES[kind])
    answer = _post(staff, f"{console_page}/reply", "The quote from the parts supplier",
                   [(pdf(), "supplier quote.pdf", "application/pdf")], headers=HTMX)
    assert answer.status_code == 200
    fragment = answer.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card" id="thread">')
    (_, filename, file_kind, by_contact, by_staff, file_id), = _files(read)
    assert (filename, file_kind, by_contact, by_staff) == \
        ("supplier quote.pdf", "pdf", None, world["admin"].id)
    assert f'<a href="{console_page}/files/{file_id}" class="pdf" download>supplier quote.pdf' \
        in fragment
    assert 'id="comment-files"' in fragment  # a fresh form, its file field empty again
    download = portal.get(f"{portal_page}/files/{file_id}")
    assert download.status_code == 200 and download.data == pdf()
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "supplier quote.pdf" in portal.get(portal_page).get_data(as_text=True)
    assert _login(app, "olga@other.example").get(
        f"{portal_page}/files/{file_id}").status_code == 404


REFUSED = [(SVG, "drawing.svg", "image/svg+xml", "drawing.svg is not a photo or a PDF."),
           (HTML_AS_JPG, "IMG_2.jpg", "image/jpeg", "IMG_2.jpg is not a photo or a PDF."),
           (too_big(), "IMG_3.jpg", "image/jpeg", "IMG_3.jpg is larger than 10 MB.")]


@pytest.mark.parametrize("data, name, content_type, message", REFUSED,
                         ids=["svg", "html-as-jpg", "12mb"])
def test_a_refused_file_posts_nothing_and_keeps_the_text(app, world, staff, portal, read, data,
                                                        name, content_type, message):
    estimate, request = world["estimate"], world["request"]
    for client, url, headers in (
            (portal, f"/estimates/{estimate.id}/comments", {}),
            (portal, f"/requests/{request.id}/comments", HTMX),
            (staff, f"/staff/work-orders/{world['work_order'].id}/reply", HTMX)):
        answer = _post(client, url, "Keep these words <b>", [(photo(), "ok.jpg", "image/jpeg"),
                                                             (data, name, content_type)],
                       headers=headers)
        assert answer.status_code == 422, url
        page = answer.get_data(as_text=True)
        assert f'<p class="error" id="comment-files-msg">{message}' in page
        assert f'<li><a href="#comment-files">{message}' in page  # the error summary
        assert 'aria-invalid="true"' in page
        assert "Keep these words &lt;b&gt;</textarea>" in page
        if headers:
            assert page.lstrip().startswith('<section class="card" id="thread">')
    assert _count(read, Comment) == 0
    assert _count(read, Attachment) == 0
    assert stored_keys(app) == set()


def test_too_many_files_are_refused(app, world, portal, read):
    url = f"/estimates/{world['estimate'].id}/comments"
    answer = _post(portal, url, "Lots", [(png(10 + n, 10), f"p{n}.png", "image/png")
                                         for n in range(11)])
    assert answer.status_code == 422
    assert "Up to 10 files per item: you chose 11." in answer.get_data(as_text=True)
    assert _count(read, Comment) == 0 and stored_keys(app) == set()


def test_a_double_submit_posts_and_attaches_once(app, world, portal, read):
    url = f"/work-orders/{world['work_order'].id}/comments"
    page = portal.get(f"/work-orders/{world['work_order'].id}").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="submission_key" value="([^"]+)"', page)
    assert key is not None
    for _ in range(2):
        answer = _post(portal, url, "Keys at the gate", [(photo(), "IMG_1.jpg", "image/jpeg")],
                       key=key.group(1))
        assert answer.status_code == 303
    assert _count(read, Comment) == 1
    assert _count(read, Attachment) == 1
    assert len(stored_keys(app)) == 2  # the second submit's objects were not kept


def test_a_comment_may_be_only_photos_but_not_empty(app, world, staff, portal, read):
    request = world["request"]
    url = f"/requests/{request.id}/comments"
    empty = _post(portal, url, "   ", headers=HTMX)
    assert empty.status_code == 422
    assert "Write your comment first." in empty.get_data(as_text=True)
    no_file = _post(staff, f"/staff/requests/{request.id}/reply", "",
                    [(b"", "", "application/octet-stream")])  # an empty file input
    assert no_file.status_code == 422
    assert "Write your reply first." in no_file.get_data(as_text=True)
    assert _count(read, Comment) == 0

    answer = _post(portal, url, "", [(photo(seed=1), "IMG_1.jpg", "image/jpeg"),
                                     (photo(seed=2), "IMG_2.jpg", "image/jpeg")], headers=HTMX)
    assert answer.status_code == 200
    fragment = answer.get_data(as_text=True)
    assert fragment.count('class="thumb"') == 2
    assert read(lambda: db.session.scalar(select(Comment.body))) == ""
    assert [row[1] for row in _files(read)] == ["IMG_1.jpg", "IMG_2.jpg"]
    assert '<p class="pre"></p>' not in fragment


def test_each_comment_shows_its_own_files(app, world, staff, portal, read):
    estimate = world["estimate"]
    assert _post(portal, f"/estimates/{estimate.id}/comments", "First",
                 [(photo(seed=1), "first.jpg", "image/jpeg")]).status_code == 303
    assert _post(staff, f"/staff/estimates/{estimate.id}/reply", "Second, no file").status_code \
        == 303
    assert _post(portal, f"/estimates/{estimate.id}/comments", "Third",
                 [(png(), "third.png", "image/png")]).status_code == 303
    page = portal.get(f"/estimates/{estimate.id}").get_data(as_text=True)
    comments = re.findall(r'<li class="comment.*?</li>\n', page, re.S)
    assert len(comments) == 3
    assert "first.jpg" in comments[0] and "third" not in comments[0]
    assert 'class="files"' not in comments[1]
    assert "third.png" in comments[2] and "first" not in comments[2]


def test_an_invoice_thread_takes_no_files(app, make, acme, world, portal, read):
    invoice = make.invoice(acme)
    page = portal.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert 'id="thread"' in page and 'type="file"' not in page
    empty = _post(portal, f"/invoices/{invoice.id}/comments", "",
                  [(photo(), "IMG_1.jpg", "image/jpeg")])
    assert empty.status_code == 422
    assert "Write your comment first." in empty.get_data(as_text=True)
    assert _post(portal, f"/invoices/{invoice.id}/comments", "Paid by check",
                 [(photo(), "IMG_1.jpg", "image/jpeg")]).status_code == 303
    assert _count(read, Comment) == 1
    assert _count(read, Attachment) == 0 and stored_keys(app) == set()


def test_foreign_documents_take_no_comment_and_no_file(app, world, read):
    ben = _login(app, "ben@birch.example")
    olga = _login(app, "olga@other.example")
    outsider = _login(app, "boss@summit.example", staff=True)
    for kind, (portal_pages, console_pages) in PAGES.items():
        ident = world[kind].id
        for client in (ben, olga):
            assert _post(client, f"{portal_pages}/{ident}/comments", "hi",
                         [(photo(), "IMG_1.jpg", "image/jpeg")]).status_code == 404
        assert _post(outsider, f"{console_pages}/{ident}/reply", "hi",
                     [(photo(), "IMG_1.jpg", "image/jpeg")]).status_code == 404
    assert _count(read, Comment) == 0 and stored_keys(app) == set()


def test_an_invoice_thread_keeps_the_small_body_limit(app, make, acme, portal, read):
    """Only threads that take files accept an upload's body: 2 MB posted to an invoice's
    thread is refused before it is read (413), while an estimate's takes it."""
    invoice = make.invoice(acme)
    big = [(b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024), "big.jpg", "image/jpeg")]
    assert _post(portal, f"/invoices/{invoice.id}/comments", "Paid", big).status_code == 413
    assert _count(read, Comment) == 0


def test_a_photos_only_comment_emails_a_line_saying_so(app, world, portal, mailbox):
    from tests.conftest import wait_for

    estimate = world["estimate"]
    assert _post(portal, f"/estimates/{estimate.id}/comments", "",
                 [(photo(seed=4), "leak.jpg", "image/jpeg")]).status_code == 303
    mail = wait_for(lambda: mailbox.to(world["admin"].email))
    assert mail, "the shop's staff are told of the comment"
    assert "(Photos or files, no words: open the link below to see them.)" in mail[0].text
