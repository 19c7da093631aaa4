"""Photos and files (issue 21), what every document shares: a file answers exactly as its
document does, for each audience, and leaves no object behind when it goes."""

from __future__ import annotations

import io

from PIL import Image

from tests.factories import PASSWORD
from tests.uploads import has_no_exif, pdf, photo, stored_keys


def _staff_client(app, make, shop):
    staff = make.staff(shop, email=f"staff{shop.id}@shop.example")
    client = app.test_client()
    client.login_staff(staff.email, PASSWORD)
    return client


def test_a_photo_is_served_to_its_customer_and_its_shop_and_nobody_else(app, make, shop, acme,
                                                                        portal):
    asset = make.asset(acme, "T-100")
    found = make.attachment(asset, photo(), "IMG_0001.JPG")
    url = f"/assets/{asset.id}/files/{found.id}"
    full = portal.get(url)
    assert full.status_code == 200
    assert full.headers["Content-Type"] == "image/jpeg"
    assert full.headers["Cache-Control"].startswith("private")
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert has_no_exif(full.data)
    thumb = portal.get(url + "/thumb")
    assert thumb.status_code == 200 and len(thumb.data) <= 20 * 1024
    assert Image.open(io.BytesIO(thumb.data)).width <= 320
    assert has_no_exif(thumb.data)

    staff = _staff_client(app, make, shop)
    assert staff.get(f"/staff/assets/{asset.id}/files/{found.id}").status_code == 200

    other_customer = make.customer(shop, "Other Co")
    other = make.active_contact(other_customer, email="olga@other.example")
    stranger = app.test_client()
    stranger.login_portal(other.email, PASSWORD)
    assert stranger.get(url).status_code == 404
    assert stranger.get(url + "/thumb").status_code == 404
    their_asset = make.asset(other_customer, "T-200")
    # The file under another document's URL (one the stranger may see): still 404.
    assert stranger.get(f"/assets/{their_asset.id}/files/{found.id}").status_code == 404

    other_shop = make.shop("Other Shop")
    foreign_staff = _staff_client(app, make, other_shop)
    assert foreign_staff.get(f"/staff/assets/{asset.id}/files/{found.id}").status_code == 404


def test_a_pdf_is_always_a_download_and_has_no_thumbnail(app, make, acme, portal):
    asset = make.asset(acme, "T-101")
    found = make.attachment(asset, pdf(), "title papers.pdf")
    answer = portal.get(f"/assets/{asset.id}/files/{found.id}")
    assert answer.status_code == 200
    assert answer.data == pdf()
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in answer.headers["Cache-Control"]
    assert portal.get(f"/assets/{asset.id}/files/{found.id}/thumb").status_code == 404


def test_a_draft_estimates_photos_are_staff_only(app, make, shop, acme, portal):
    estimate = make.estimate(acme, status="draft")
    found = make.attachment(estimate, photo(seed=3), part=estimate.lines[0])
    assert portal.get(f"/estimates/{estimate.id}/files/{found.id}").status_code == 404
    staff = _staff_client(app, make, shop)
    assert staff.get(f"/staff/estimates/{estimate.id}/files/{found.id}").status_code == 200
    assert staff.get(f"/staff/estimates/{estimate.id}/files/{found.id}/thumb").status_code == 200


def test_odd_file_ids_are_404(app, make, acme, portal):
    asset = make.asset(acme, "T-102")
    for ident in ("0", "-1", "99999999999999999999", "abc", "1.5"):
        assert portal.get(f"/assets/{asset.id}/files/{ident}").status_code == 404


def test_removing_every_file_of_a_document_removes_its_objects(app, make, acme):
    from portal_app.extensions import db
    from portal_app.models import Asset
    from portal_app.services import attachments

    asset = make.asset(acme, "T-103")
    before = stored_keys(app)
    make.attachment(asset, photo(seed=5))
    make.attachment(asset, pdf(), "papers.pdf")
    assert len(stored_keys(app) - before) == 3  # photo, its thumbnail, the PDF
    with app.test_request_context():
        assert attachments.remove_all(db.session.get(Asset, asset.id)) == 2
        db.session.commit()
    assert stored_keys(app) == before


def test_the_same_bytes_are_attached_once_per_item(app, make, acme, dana):
    import hashlib

    from portal_app.extensions import db
    from portal_app.files.processing import prepare
    from portal_app.models import Asset, Contact
    from portal_app.services import attachments

    asset = make.asset(acme, "T-104")
    make.attachment(asset, photo(seed=9))
    before = stored_keys(app)
    with app.test_request_context():
        data = photo(seed=9)
        ready = attachments.Ready("again.jpg", hashlib.sha256(data).hexdigest(),
                                  prepare(data, "again.jpg"))
        assert attachments.attach([ready], db.session.get(Asset, asset.id),
                                  by=db.session.get(Contact, dana.id)) == []
        db.session.commit()
    assert stored_keys(app) == before  # the second copy's objects were deleted again


def test_a_phones_heic_and_a_webp_photo_upload_over_http(app, make, acme, portal, read):
    """An iPhone's HEIC photo arrives as a JPEG named .jpg; a WebP stays WebP; both without EXIF,
    each with its thumbnail, served with their own types."""
    from sqlalchemy import select

    from portal_app.extensions import db
    from portal_app.models import Attachment
    from tests.uploads import file_part, post_files

    def saved(image, fmt, **options):
        out = io.BytesIO()
        image.save(out, fmt, **options)
        return out.getvalue()

    picture = Image.open(io.BytesIO(photo(640, 480, gps=False)))
    exif = Image.Exif()
    exif[0x0110] = "Phone 12"  # the camera model
    heic = saved(picture, "HEIF", quality=80, exif=exif.tobytes())
    webp = saved(picture, "WEBP", quality=85, exif=exif)
    asset = make.asset(acme, "T-105")
    answer = post_files(portal, f"/assets/{asset.id}/files",
                        files=[file_part(heic, "IMG_4032.HEIC", "image/heic"),
                               file_part(webp, "pads.webp", "image/webp")])
    assert answer.status_code == 303
    rows = read(lambda: [(row.id, row.filename, row.content_type) for row in db.session.scalars(
        select(Attachment).order_by(Attachment.id))])
    assert [(name, kind) for _, name, kind in rows] == [("IMG_4032.jpg", "image/jpeg"),
                                                        ("pads.webp", "image/webp")]
    for ident, _, kind in rows:
        full = portal.get(f"/assets/{asset.id}/files/{ident}")
        assert full.headers["Content-Type"] == kind and has_no_exif(full.data)
        assert Image.open(io.BytesIO(full.data)).size == (640, 480)
        thumb = portal.get(f"/assets/{asset.id}/files/{ident}/thumb")
        assert thumb.headers["Content-Type"] == "image/jpeg" and len(thumb.data) <= 20 * 1024


def test_more_than_an_upload_can_hold_is_a_clear_413(app, make, acme, portal, read):
    """Eleven files of ten megabytes exceed what an upload route takes: refused before the body
    is read, with a page that says what fits; nothing stored."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    asset = make.asset(acme, "T-106")
    chunk = b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024 - 3)
    form = MultiDict([("csrf_token", portal.csrf_token())] + [
        ("files", FileStorage(io.BytesIO(chunk), f"big{n}.jpg", content_type="image/jpeg"))
        for n in range(11)])
    boundary, body = encode_multipart(form)
    answer = portal.post(f"/assets/{asset.id}/files", data=body,
                         content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 413
    assert "up to 10 MB each, 10 at a time" in answer.get_data(as_text=True)
    assert stored_keys(app) == set()
