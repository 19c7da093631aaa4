"""Photos and files on assets (issue 21): the asset page's "Photos and files" for the customer
and the shop's staff, adding and removing them, and files posted with the add-asset form."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal_app.extensions import db
from portal_app.models import Asset, Attachment
from tests.factories import PASSWORD
from tests.uploads import (
    HTML_AS_JPG,
    SVG,
    file_part,
    has_no_exif,
    pdf,
    photo,
    stored_keys,
    too_big,
)


def _jpg(seed: int, name: str | None = None):
    return file_part(photo(seed=seed), name or f"IMG_{seed}.jpg", "image/jpeg")


def _post_files(client, url: str, files: list | None, **fields):
    """Post a multipart form. Encoded here, in memory: the test client spools a body over
    500 KB to a temporary file it never closes (a ResourceWarning, an error under pytest)."""
    data = {"csrf_token": client.csrf_token(), **fields}
    if files is not None:
        data["files"] = [FileStorage(stream, filename, content_type=content_type)
                         for stream, filename, content_type in files]
    boundary, body = encode_multipart(data)
    return client.post(url, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _files(read, asset_id: int) -> list[Attachment]:
    return read(lambda: db.session.scalars(select(Attachment).where(
        Attachment.asset_id == asset_id).order_by(Attachment.id)).all())


def _staff(app, make, shop, role: str = "staff"):
    member = make.staff(shop, role=role)
    client = app.test_client()
    client.login_staff(member.email, PASSWORD)
    return client, member


def _file_ids(body: str, asset_id: int, prefix: str = "") -> list[int]:
    return [int(found) for found in
            re.findall(rf'href="{prefix}/assets/{asset_id}/files/(\d+)"', body)]


def test_a_customer_adds_a_photo_and_a_pdf_and_staff_see_them_and_add_one(
        app, make, shop, acme, dana, portal, read):
    asset = make.asset(acme, "T-101")
    page = portal.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "<h2 id=\"asset-files-title\">Photos and files</h2>" in page
    assert '<label for="files">Add photos or files</label>' in page
    assert 'enctype="multipart/form-data"' in page and ">Upload</button>" in page

    response = _post_files(portal, f"/assets/{asset.id}/files",
                           [_jpg(1, "IMG_0001.JPG"), file_part(pdf(), "title.pdf",
                                                               "application/pdf")])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/assets/{asset.id}"
    page = portal.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 files added." in page
    rows = _files(read, asset.id)
    assert [(row.kind, row.filename, row.by_contact_id, row.by_staff_id) for row in rows] == [
        ("image", "IMG_0001.jpg", dana.id, None), ("pdf", "title.pdf", dana.id, None)]
    photo_row, pdf_row = rows
    assert _file_ids(page, asset.id) == [photo_row.id, pdf_row.id]
    assert (f'<img src="/assets/{asset.id}/files/{photo_row.id}/thumb" '
            f'width="{photo_row.thumb_width}" height="{photo_row.thumb_height}" '
            'loading="lazy"') in page

    full = portal.get(f"/assets/{asset.id}/files/{photo_row.id}")
    assert full.status_code == 200 and full.headers["Content-Type"] == "image/jpeg"
    assert has_no_exif(full.data)  # the GPS position is gone
    thumb = portal.get(f"/assets/{asset.id}/files/{photo_row.id}/thumb")
    assert thumb.status_code == 200 and len(thumb.data) <= 20 * 1024
    assert Image.open(io.BytesIO(thumb.data)).width <= 320 and has_no_exif(thumb.data)
    papers = portal.get(f"/assets/{asset.id}/files/{pdf_row.id}")
    assert papers.status_code == 200 and papers.data == pdf()
    assert papers.headers["Content-Disposition"].startswith("attachment;")
    assert papers.headers["X-Content-Type-Options"] == "nosniff"

    staff, member = _staff(app, make, shop)
    page = staff.get(f"/staff/assets/{asset.id}").get_data(as_text=True)
    assert _file_ids(page, asset.id, "/staff") == [photo_row.id, pdf_row.id]
    assert staff.get(f"/staff/assets/{asset.id}/files/{photo_row.id}").status_code == 200
    response = _post_files(staff, f"/staff/assets/{asset.id}/files", [_jpg(2)])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/assets/{asset.id}"
    assert "1 file added." in staff.get(response.headers["Location"]).get_data(as_text=True)
    added = _files(read, asset.id)[-1]
    assert (added.by_staff_id, added.by_contact_id) == (member.id, None)
    # The customer sees what the shop added.
    assert added.id in _file_ids(portal.get(f"/assets/{asset.id}").get_data(as_text=True),
                                 asset.id)


def test_an_archived_asset_keeps_its_files_and_takes_more(make, acme, portal, read):
    asset = make.asset(acme, "T-102", archived=True)
    make.attachment(asset, photo(seed=4))
    page = portal.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "This asset is archived" in page and len(_file_ids(page, asset.id)) == 1
    assert _post_files(portal, f"/assets/{asset.id}/files", [_jpg(5)]).status_code == 303
    assert len(_files(read, asset.id)) == 2


def test_others_get_404_on_the_files_and_on_adding_and_removing(app, make, shop, acme, portal,
                                                                read):
    asset = make.asset(acme, "T-103")
    found = make.attachment(asset, photo(seed=6))
    paths = (f"/assets/{asset.id}/files/{found.id}", f"/assets/{asset.id}/files/{found.id}/thumb")
    before = stored_keys(app)

    neighbour = make.customer(shop, "Other Co")
    olga = make.active_contact(neighbour, email="olga@other.example")
    their_asset = make.asset(neighbour, "T-900")
    other_shop = make.shop("Other Shop")
    bea = make.active_contact(make.customer(other_shop, "Far Co"), email="bea@far.example")
    for email in (olga.email, bea.email):
        stranger = app.test_client()
        stranger.login_portal(email, PASSWORD)
        for path in paths:
            assert stranger.get(path).status_code == 404
        assert stranger.get(f"/assets/{asset.id}").status_code == 404
        assert _post_files(stranger, f"/assets/{asset.id}/files", [_jpg(7)]).status_code == 404
        assert stranger.post_form(f"/assets/{asset.id}/files/{found.id}/remove").status_code \
            == 404
    # Their own asset's URLs with this file's id: still 404, and nothing removed.
    olga_client = app.test_client()
    olga_client.login_portal(olga.email, PASSWORD)
    assert olga_client.get(f"/assets/{their_asset.id}/files/{found.id}").status_code == 404
    assert olga_client.post_form(
        f"/assets/{their_asset.id}/files/{found.id}/remove").status_code == 404

    foreign_staff, _ = _staff(app, make, other_shop, role="admin")
    staff_paths = [f"/staff{path}" for path in paths]
    for path in staff_paths:
        assert foreign_staff.get(path).status_code == 404
    assert _post_files(foreign_staff, f"/staff/assets/{asset.id}/files",
                       [_jpg(8)]).status_code == 404
    assert foreign_staff.post_form(
        f"/staff/assets/{asset.id}/files/{found.id}/remove").status_code == 404

    assert anonymous_gets_login(app, paths[0])
    assert [row.id for row in _files(read, asset.id)] == [found.id]
    assert stored_keys(app) == before
    assert portal.get(paths[0]).status_code == 200


def anonymous_gets_login(app, path: str) -> bool:
    answer = app.test_client().get(path)
    return answer.status_code in (302, 303) and "/login" in answer.headers["Location"]


@pytest.mark.parametrize("data, name, message", [
    (SVG, "drawing.svg", "drawing.svg is not a photo or a PDF."),
    (HTML_AS_JPG, "IMG_2000.jpg", "IMG_2000.jpg is not a photo or a PDF."),
    (too_big(), "huge.jpg", "huge.jpg is larger than 10 MB."),
])
def test_a_refused_file_is_said_at_the_field_and_nothing_is_stored(app, make, acme, portal,
                                                                   read, data, name, message):
    asset = make.asset(acme, "T-104")
    before = stored_keys(app)
    # With a good photo beside it: one refused file refuses the lot.
    response = _post_files(portal, f"/assets/{asset.id}/files",
                           [_jpg(9), file_part(data, name, "image/jpeg")])
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'<p class="error" id="files-msg">{message}' in body
    assert f'<a href="#files">{message}' in body  # the error summary links to the field
    assert 'aria-invalid="true"' in body
    assert _files(read, asset.id) == [] and stored_keys(app) == before


def test_no_file_at_all_is_a_message(make, acme, portal, read):
    asset = make.asset(acme, "T-105")
    for files in (None, [file_part(b"", "", "application/octet-stream")]):
        response = _post_files(portal, f"/assets/{asset.id}/files", files)
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert '<p class="error" id="files-msg">Choose at least one photo or file.</p>' in body
        assert '<a href="#files">Choose at least one photo or file.</a>' in body
    assert _files(read, asset.id) == []


def test_at_most_ten_files_per_asset(app, make, acme, portal, read):
    asset = make.asset(acme, "T-106")
    for seed in range(9):
        make.attachment(asset, photo(width=320, height=240, seed=100 + seed))
    before = stored_keys(app)
    response = _post_files(portal, f"/assets/{asset.id}/files",
                           [_jpg(200), _jpg(201)])
    assert response.status_code == 422
    assert "Up to 10 files per item: this one can take 1 more." in response.get_data(
        as_text=True)
    assert stored_keys(app) == before
    assert _post_files(portal, f"/assets/{asset.id}/files", [_jpg(200)]).status_code == 303
    response = _post_files(portal, f"/assets/{asset.id}/files", [_jpg(201)])  # the 11th
    assert response.status_code == 422
    assert "this one can take 0 more." in response.get_data(as_text=True)
    assert len(_files(read, asset.id)) == 10


def test_a_double_submit_attaches_each_file_once(app, make, acme, portal, read):
    asset = make.asset(acme, "T-107")
    for _ in range(2):
        assert _post_files(portal, f"/assets/{asset.id}/files", [_jpg(11)]).status_code == 303
    assert len(_files(read, asset.id)) == 1
    assert len(stored_keys(app)) == 2  # the photo and its thumbnail, once


def test_remove_removes_the_row_and_its_stored_objects(app, make, shop, acme, portal, read):
    asset = make.asset(acme, "T-108")
    before = stored_keys(app)
    photo_row = make.attachment(asset, photo(seed=12))
    pdf_row = make.attachment(asset, pdf(), "papers.pdf")
    assert len(stored_keys(app) - before) == 3
    page = portal.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert f'action="/assets/{asset.id}/files/{photo_row.id}/remove"' in page
    assert 'aria-label="Remove papers.pdf"' in page
    response = portal.post_form(f"/assets/{asset.id}/files/{photo_row.id}/remove")
    assert response.status_code == 303 and response.headers["Location"] == f"/assets/{asset.id}"
    page = portal.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert f"Removed {photo_row.filename}." in page
    assert [row.id for row in _files(read, asset.id)] == [pdf_row.id]
    assert len(stored_keys(app) - before) == 1
    assert portal.get(f"/assets/{asset.id}/files/{photo_row.id}").status_code == 404
    # Removed already (a double click): 404, nothing else goes.
    assert portal.post_form(f"/assets/{asset.id}/files/{photo_row.id}/remove").status_code \
        == 404
    staff, _ = _staff(app, make, shop)
    assert staff.post_form(
        f"/staff/assets/{asset.id}/files/{pdf_row.id}/remove").status_code == 303
    assert _files(read, asset.id) == [] and stored_keys(app) == before
    for ident in ("0", "-1", "abc", "99999999999999999999"):
        assert portal.post_form(f"/assets/{asset.id}/files/{ident}/remove").status_code == 404


def test_a_new_asset_with_a_photo(app, make, shop, acme, dana, portal, read):
    response = _post_files(portal, "/assets/new", [_jpg(13), file_part(pdf(), "title.pdf")],
                           unit_number="T-201", make="Kenworth")
    assert response.status_code == 303
    asset = read(lambda: db.session.scalar(select(Asset).where(Asset.unit_number == "T-201")))
    assert response.headers["Location"] == f"/assets/{asset.id}"
    page = portal.get(response.headers["Location"]).get_data(as_text=True)
    assert "Asset T-201 added. 2 files added." in page
    rows = _files(read, asset.id)
    assert [(row.kind, row.by_contact_id) for row in rows] == [("image", dana.id),
                                                               ("pdf", dana.id)]
    assert _file_ids(page, asset.id) == [row.id for row in rows]

    form = portal.get("/assets/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    assert '<label for="files">Add photos or files</label>' in form

    staff, member = _staff(app, make, shop)
    response = _post_files(staff, f"/staff/customers/{acme.id}/assets/new", [_jpg(14)],
                           unit_number="T-202")
    assert response.status_code == 303
    asset = read(lambda: db.session.scalar(select(Asset).where(Asset.unit_number == "T-202")))
    assert [row.by_staff_id for row in _files(read, asset.id)] == [member.id]


def test_a_refused_file_refuses_the_whole_asset_form(app, make, acme, portal, read):
    location = make.location(acme, "Main depot")
    before = stored_keys(app)
    response = _post_files(portal, "/assets/new", [_jpg(15), file_part(SVG, "logo.svg")],
                           unit_number="T-301", make="Volvo", notes="Reefer unit",
                           location_id=str(location.id))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert '<p class="error" id="files-msg">logo.svg is not a photo or a PDF.' in body
    assert '<a href="#files">logo.svg is not a photo or a PDF.' in body
    assert 'value="T-301"' in body and 'value="Volvo"' in body and "Reefer unit" in body
    assert f'<option selected value="{location.id}">' in body
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Asset))) == 0
    assert stored_keys(app) == before
    # A form error and a refused file: both said, in the summary too.
    response = _post_files(portal, "/assets/new", [file_part(HTML_AS_JPG, "x.jpg")],
                           unit_number="")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the Unit Number" in body and "x.jpg is not a photo or a PDF." in body
    assert stored_keys(app) == before


def test_editing_an_asset_adds_files_and_keeps_the_limit(app, make, acme, portal, read):
    asset = make.asset(acme, "T-401")
    response = _post_files(portal, f"/assets/{asset.id}/edit", [_jpg(16)], unit_number="T-401",
                           make="Mack")
    assert response.status_code == 303
    assert "Asset saved. 1 file added." in portal.get(
        response.headers["Location"]).get_data(as_text=True)
    assert len(_files(read, asset.id)) == 1
    for seed in range(9):
        make.attachment(asset, photo(width=320, height=240, seed=300 + seed))
    before = stored_keys(app)
    response = _post_files(portal, f"/assets/{asset.id}/edit", [_jpg(17)], unit_number="T-9",
                           make="Scania")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "this one can take 0 more." in body and 'value="Scania"' in body
    assert read(lambda: db.session.get(Asset, asset.id).unit_number) == "T-401"
    assert stored_keys(app) == before
    # Without files, the details still save.
    assert _post_files(portal, f"/assets/{asset.id}/edit", None, unit_number="T-9",
                       make="Scania").status_code == 303


def test_a_double_submit_of_the_add_asset_form_adds_one_asset_with_its_files_once(
        app, make, acme, portal, read):
    fields = {"unit_number": "T-501", "make": "Isuzu", "model": "NPR", "year": "2020"}
    answers = [_post_files(portal, "/assets/new", [_jpg(18)], **fields) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assets = read(lambda: db.session.scalars(select(Asset)).all())
    assert [asset.unit_number for asset in assets] == ["T-501"]
    assert len(_files(read, assets[0].id)) == 1 and len(stored_keys(app)) == 2
    # The same Unit Number with other details is still a duplicate, said at the field.
    answer = _post_files(portal, "/assets/new", [_jpg(19)], **{**fields, "make": "Hino"})
    assert answer.status_code == 422
    assert "already has a unit numbered" in answer.get_data(as_text=True)
    assert len(_files(read, assets[0].id)) == 1 and len(stored_keys(app)) == 2


def test_a_double_submit_racing_past_the_check_adds_one_asset(app, make, acme, portal, read,
                                                              monkeypatch):
    """Both posts past the Unit Number check at once: the constraint stops the second, which
    then finds the first's asset and answers with it."""
    from portal_app.services import assets

    fields = {"unit_number": "T-601", "make": "Isuzu"}
    assert _post_files(portal, "/assets/new", [_jpg(20)], **fields).status_code == 303
    monkeypatch.setattr(assets, "unit_number_taken", lambda *a, **k: False)
    real = assets.just_added
    calls = []

    def after_the_check(*args, **kwargs):  # the first look (before saving) finds nothing yet
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(assets, "just_added", after_the_check)
    answer = _post_files(portal, "/assets/new", [_jpg(20)], **fields)
    assert answer.status_code == 303 and len(calls) == 2
    found = read(lambda: db.session.scalars(select(Asset)).all())
    assert len(found) == 1 and len(_files(read, found[0].id)) == 1
    assert len(stored_keys(app)) == 2
