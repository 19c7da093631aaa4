"""Photos and files on the customer's request form (/requests/new) and on the request's page
(issue 21): attached to the draft by a full post of the form, kept across reloads, checked as a
whole (a refusal stores nothing and keeps the fields), served to the draft's person only, moved
to the request on submit, removed with their stored objects."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from portal_app.extensions import db
from portal_app.models import Attachment, ServiceRequest, ServiceRequestDraft
from tests.factories import PASSWORD
from tests.uploads import (
    HTML_AS_JPG,
    SVG,
    file_part,
    has_no_exif,
    pdf,
    photo,
    png,
    stored_keys,
    too_big,
)

HTMX = {"HX-Request": "true"}
NEW, DRAFT = "/requests/new", "/requests/new/draft"


@pytest.fixture
def depot(make, acme):
    return make.location(acme, "Main depot")


def _token(html: str) -> str:
    return re.search(r'name="draft_token" value="([\w-]+)"', html).group(1)


def _post(client, url: str, files=(), headers=None, **fields):
    """A full post of the request form (what a browser sends), with these files. The body is
    built here so that it can be closed: werkzeug's test client spools a large one to a
    temporary file it never closes (a ResourceWarning, an error in this suite)."""
    data = {"csrf_token": client.csrf_token(), "location_id": "", "asset": "",
            "desired_date": "", "urgency": "routine", "description": "", **fields,
            "files": list(files)}
    builder = EnvironBuilder(path=url, method="POST", data=data, headers=headers,
                             content_type="multipart/form-data")
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def _jpg(seed: int = 7, name: str = "IMG_1.jpg"):
    return file_part(photo(seed=seed), name, "image/jpeg")


def _draft_files(read) -> list[Attachment]:
    return read(lambda: list(db.session.scalars(
        select(Attachment).where(Attachment.draft_id.is_not(None)).order_by(Attachment.id))))


def _file_urls(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)/thumb"', html)


def _stranger(app, make, customer):
    contact = make.active_contact(customer, email=f"olga{customer.id}@other.example")
    client = app.test_client()
    client.login_portal(contact.email, PASSWORD)
    return client


def test_the_form_has_the_file_field_and_is_multipart(portal):
    page = portal.get(NEW).get_data(as_text=True)
    assert '<label for="files">Add photos or files</label>' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'form="request-form">Submit request</button>' in page
    # The saves on change never carry the chosen files.
    assert page.count('hx-encoding="application/x-www-form-urlencoded"') == \
        page.count("hx-post=")


def test_update_keeps_the_photo_with_the_draft_across_reloads(app, portal, depot, read):
    before = stored_keys(app)
    answer = _post(portal, DRAFT, [_jpg()], location_id=depot.id, description="Brakes squeal",
                   action="update")
    assert answer.status_code == 303 and answer.headers["Location"] == NEW
    page = portal.get(NEW).get_data(as_text=True)
    assert "Brakes squeal" in page
    (found,) = _draft_files(read)
    assert found.filename == "IMG_1.jpg" and found.owner.startswith("draft:")
    assert len(stored_keys(app) - before) == 2  # the photo and its thumbnail
    assert _file_urls(page) == [f"/requests/new/files/{found.id}"]
    assert 'loading="lazy"' in page and f'width="{found.thumb_width}"' in page
    assert 'aria-label="Remove IMG_1.jpg"' in page

    full = portal.get(f"/requests/new/files/{found.id}")
    assert full.status_code == 200 and full.headers["Content-Type"] == "image/jpeg"
    assert has_no_exif(full.data)
    thumb = portal.get(f"/requests/new/files/{found.id}/thumb")
    assert thumb.status_code == 200 and len(thumb.data) <= 20 * 1024
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert max(image.size) <= 320
    assert has_no_exif(thumb.data)


def test_an_htmx_save_ignores_files(app, portal, depot, read):
    answer = _post(portal, DRAFT, [_jpg()], headers=HTMX, location_id=depot.id)
    assert answer.status_code in (200, 204)
    assert _draft_files(read) == []
    assert stored_keys(app) == set()


@pytest.mark.parametrize("data, name, kind", [
    (SVG, "drawing.svg", "image/svg+xml"),
    (HTML_AS_JPG, "holiday.jpg", "image/jpeg"),
    (too_big(), "huge.jpg", "image/jpeg"),
], ids=["svg", "html-renamed-jpg", "12mb"])
@pytest.mark.parametrize("url", [DRAFT, NEW], ids=["update", "submit"])
def test_a_refused_file_stores_nothing_and_keeps_the_fields(app, portal, depot, read, data,
                                                            name, kind, url):
    answer = _post(portal, url, [_jpg(), file_part(data, name, kind)], location_id=depot.id,
                   description="Door will not close")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    message = re.search(r'<p class="error" id="files-msg">([^<]+)</p>', page)
    assert message, "no message at the file field"
    assert f'<a href="#files">{message.group(1)}</a>' in page  # and in the error summary
    assert 'aria-invalid="true"' in page
    assert "Door will not close" in page
    assert f'<option value="{depot.id}" selected>' in page
    assert stored_keys(app) == set()
    assert read(lambda: db.session.scalar(select(Attachment.id))) is None
    assert read(lambda: db.session.scalar(select(ServiceRequest.id))) is None
    draft = read(lambda: db.session.scalar(select(ServiceRequestDraft)))
    assert draft.description == "Door will not close"  # the fields were saved


def test_eleven_files_are_refused_and_ten_is_the_limit(app, portal, depot, read):
    eleven = [_jpg(seed=i, name=f"IMG_{i}.jpg") for i in range(11)]
    answer = _post(portal, DRAFT, eleven, location_id=depot.id)
    assert answer.status_code == 422
    assert "Up to 10 files per item" in answer.get_data(as_text=True)
    assert stored_keys(app) == set()
    nine = [file_part(png(40 + i, 30), f"shot{i}.png", "image/png") for i in range(9)]
    assert _post(portal, DRAFT, nine, location_id=depot.id).status_code == 303
    two = [_jpg(seed=20), file_part(pdf(), "manual.pdf", "application/pdf")]
    answer = _post(portal, DRAFT, two, location_id=depot.id)
    assert answer.status_code == 422
    assert "this one can take 1 more" in answer.get_data(as_text=True)
    assert len(_draft_files(read)) == 9
    one = [file_part(pdf(), "manual.pdf", "application/pdf")]
    assert _post(portal, DRAFT, one, location_id=depot.id).status_code == 303
    assert len(_draft_files(read)) == 10


def test_the_request_made_from_the_draft_shows_and_serves_the_photo(app, make, shop, acme,
                                                                     portal, depot, read):
    assert _post(portal, DRAFT, [_jpg()], location_id=depot.id).status_code == 303
    keys = stored_keys(app)
    answer = _post(portal, NEW, [file_part(pdf(), "manual.pdf", "application/pdf")],
                   location_id=depot.id, description="Leaking hydraulics",
                   draft_token=_token(portal.get(NEW).get_data(as_text=True)))
    assert answer.status_code == 303
    request_id = read(lambda: db.session.scalar(select(ServiceRequest.id)))
    assert answer.headers["Location"] == f"/requests/{request_id}"
    rows = read(lambda: list(db.session.scalars(select(Attachment).order_by(Attachment.id))))
    assert [(r.service_request_id, r.draft_id, r.owner) for r in rows] == \
        [(request_id, None, f"request:{request_id}")] * 2
    assert read(lambda: db.session.scalar(select(ServiceRequestDraft.id))) is None
    assert keys < stored_keys(app)  # the photo's objects stayed; the PDF's was added

    page = portal.get(f"/requests/{request_id}").get_data(as_text=True)
    assert '<h2 id="request-files">Photos and files</h2>' in page
    photo_row, pdf_row = rows
    url = f"/requests/{request_id}/files/{photo_row.id}"
    assert f'<img src="{url}/thumb" width="{photo_row.thumb_width}" ' \
           f'height="{photo_row.thumb_height}" loading="lazy"' in page
    assert f'href="/requests/{request_id}/files/{pdf_row.id}"' in page
    full = portal.get(url)
    assert full.status_code == 200 and has_no_exif(full.data)
    thumb = portal.get(url + "/thumb")
    assert thumb.status_code == 200 and has_no_exif(thumb.data) and len(thumb.data) <= 20 * 1024
    # The draft's URL of the file is gone with the draft.
    assert portal.get(f"/requests/new/files/{photo_row.id}").status_code == 404

    staff = make.staff(shop, email="sam@harbor.example")
    console = app.test_client()
    console.login_staff(staff.email, PASSWORD)
    staff_page = console.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert f'<img src="/staff/requests/{request_id}/files/{photo_row.id}/thumb"' in staff_page
    assert console.get(f"/staff/requests/{request_id}/files/{photo_row.id}").status_code == 200

    stranger = _stranger(app, make, make.customer(shop, "Other Co"))
    assert stranger.get(url).status_code == 404
    assert stranger.get(url + "/thumb").status_code == 404
    other_shop = make.shop("Other Shop")
    foreign = app.test_client()
    foreign.login_staff(make.staff(other_shop, email="x@other.example").email, PASSWORD)
    assert foreign.get(f"/staff/requests/{request_id}/files/{photo_row.id}").status_code == 404


def test_another_customer_gets_404_on_the_draft_file_urls(app, make, shop, acme, portal, depot,
                                                         read):
    assert _post(portal, DRAFT, [_jpg()], location_id=depot.id).status_code == 303
    (found,) = _draft_files(read)
    base = f"/requests/new/files/{found.id}"
    for stranger in (_stranger(app, make, make.customer(shop, "Other Co")),
                     _stranger(app, make, acme),  # another person of the same customer
                     _stranger(app, make, make.customer(make.shop("Far Shop"), "Far Co"))):
        assert stranger.get(NEW).status_code == 200  # they have a draft of their own now
        _post(stranger, DRAFT, [], location_id="")
        assert stranger.get(base).status_code == 404
        assert stranger.get(base + "/thumb").status_code == 404
        removed = stranger.post(base + "/remove", data={"csrf_token": stranger.csrf_token()})
        assert removed.status_code == 404
    assert len(_draft_files(read)) == 1
    anonymous = app.test_client()
    assert anonymous.get(base).status_code in (302, 303)
    for ident in ("0", "-1", "99999999999999999999", "abc"):
        assert portal.get(f"/requests/new/files/{ident}").status_code == 404
        assert portal.post(f"/requests/new/files/{ident}/remove",
                           data={"csrf_token": portal.csrf_token()}).status_code == 404


def test_removing_a_file_from_the_draft_removes_its_objects(app, portal, depot, read):
    assert _post(portal, DRAFT, [_jpg(), file_part(pdf(), "manual.pdf", "application/pdf")],
                 location_id=depot.id).status_code == 303
    photo_row, pdf_row = _draft_files(read)
    answer = portal.post(f"/requests/new/files/{photo_row.id}/remove",
                         data={"csrf_token": portal.csrf_token()})
    assert answer.status_code == 303 and answer.headers["Location"] == NEW
    page = portal.get(NEW).get_data(as_text=True)
    assert "Removed IMG_1.jpg." in page
    assert [row.id for row in _draft_files(read)] == [pdf_row.id]
    assert stored_keys(app) == {pdf_row.key}
    assert portal.get(f"/requests/new/files/{photo_row.id}").status_code == 404
    again = portal.post(f"/requests/new/files/{photo_row.id}/remove",
                        data={"csrf_token": portal.csrf_token()})
    assert again.status_code == 404


def test_a_double_submit_makes_one_request_with_each_file_once(app, portal, depot, read):
    page = portal.get(NEW).get_data(as_text=True)
    fields = {"location_id": depot.id, "description": "Flat tyre", "draft_token": _token(page)}
    first = _post(portal, NEW, [_jpg()], **fields)
    second = _post(portal, NEW, [_jpg()], **fields)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(read(lambda: db.session.scalars(select(ServiceRequest.id)).all())) == 1
    assert len(read(lambda: db.session.scalars(select(Attachment.id)).all())) == 1
    assert len(stored_keys(app)) == 2
    # The same photo posted twice with "Update": still once on the draft.
    _post(portal, DRAFT, [_jpg(seed=2)], location_id=depot.id)
    _post(portal, DRAFT, [_jpg(seed=2)], location_id=depot.id)
    assert len(_draft_files(read)) == 1 and len(stored_keys(app)) == 4


def test_a_form_sent_twice_without_its_token_leaves_no_stray_objects(app, portal, depot, read):
    fields = {"location_id": depot.id, "description": "Horn broken"}
    assert _post(portal, NEW, [_jpg()], **fields).status_code == 303
    keys = stored_keys(app)
    again = _post(portal, NEW, [_jpg()], **fields)  # the same form, its token lost
    assert again.status_code == 303
    assert len(read(lambda: db.session.scalars(select(ServiceRequest.id)).all())) == 1
    assert stored_keys(app) == keys


def test_discarding_a_draft_removes_its_files_objects(app, portal, dana, depot, read):
    from portal_app.models import Contact
    from portal_app.services import service_requests

    assert _post(portal, DRAFT, [_jpg()], location_id=depot.id).status_code == 303
    assert len(stored_keys(app)) == 2
    with app.test_request_context():
        assert service_requests.discard_draft(db.session.get(Contact, dana.id))
        db.session.commit()
    assert stored_keys(app) == set()
    assert read(lambda: db.session.scalar(select(Attachment.id))) is None
    assert read(lambda: db.session.scalar(select(ServiceRequestDraft.id))) is None


def test_removing_the_contact_removes_its_drafts_files_objects(app, make, shop, portal, dana,
                                                                depot, read):
    """Staff remove the contact (console): its unfinished form's photos leave the storage too,
    not only the rows the database cascades."""
    assert _post(portal, DRAFT, [_jpg()], location_id=depot.id).status_code == 303
    assert len(stored_keys(app)) == 2
    admin = make.staff(shop, role="admin", email="boss@harbor.example")
    staff = app.test_client()
    staff.login_staff(admin.email, PASSWORD)
    assert staff.post_form(f"/staff/contacts/{dana.id}/remove").status_code == 303
    assert read(lambda: db.session.scalar(select(Attachment.id))) is None
    assert stored_keys(app) == set()
