"""Inspection photos (issue 21): what the technician found, on estimate lines, on additional work
of a work order and on the work order itself. Staff add them in the console's forms; the
customer sees each line's photos beside the line when deciding; saving the estimate keeps them
(lines are changed in place), and a line or draft that goes takes its stored objects along."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import Attachment, Estimate, WorkOrder, utcnow
from tests.factories import PASSWORD
from tests.uploads import SVG, file_part, has_no_exif, pdf, photo, stored_keys

JPEG = "image/jpeg"


@pytest.fixture
def staff(app, make, shop):
    user = make.staff(shop, email="sam@harbor.example")
    client = app.test_client()
    client.login_staff(user.email, PASSWORD)
    return client


def _form(customer, rows, **extra):
    """The estimate form: `rows` are (description, price, line id or None) per line row."""
    data = {"customer_id": str(customer.id), "unit_number": "", "location_id": "",
            "valid_until": (utcnow() + timedelta(days=20)).date().isoformat(), "notes": "",
            "action": "save"}
    for i, (description, price, line_id) in enumerate(rows):
        data.update({f"lines-{i}-description": description, f"lines-{i}-quantity": "1",
                     f"lines-{i}-unit_price": price, f"lines-{i}-line_id": str(line_id or "")})
    data.update(extra)
    return data


def _post(client, url, data):
    return client.post(url, data={"csrf_token": client.csrf_token(), **data},
                       content_type="multipart/form-data")


def _lines(read, estimate_id):
    return read(lambda: [(line.id, line.description) for line in
                         db.session.get(Estimate, estimate_id).lines])


def _files(read, **where):
    return read(lambda: list(db.session.scalars(select(Attachment).filter_by(**where)
                                                .order_by(Attachment.id))))


def test_a_photo_on_line_one_stays_through_saves_and_shows_beside_it(app, make, shop, acme,
                                                                      staff, portal, read):
    estimate = make.estimate(acme, lines=(("Brake pads", 1, 68000, False),
                                          ("Wiper blades", 1, 4500, False)))
    (pads, _), (wipers, _) = _lines(read, estimate.id)
    edit = f"/staff/estimates/{estimate.id}/edit"
    same = {"based_on": "1", "valid_until": estimate.valid_until.isoformat()}
    page = staff.get(edit).get_data(True)
    assert page.count(">Add photos or files</label>") >= 2
    assert 'enctype="multipart/form-data"' in page
    assert f'name="lines-0-line_id" value="{pads}"' in page

    saved = _post(staff, edit, _form(acme, [("Brake pads", "680.00", pads),
                                            ("Wiper blades", "45.00", wipers)],
                                     **same, **{"lines-0-files": [
                                         file_part(photo(), "IMG_1.jpg", JPEG)]}))
    assert saved.status_code == 303, saved.get_data(True)[:3000]
    found = _files(read, estimate_line_id=pads)
    assert [f.filename for f in found] == ["IMG_1.jpg"]
    assert read(lambda: db.session.get(Estimate, estimate.id).version) == 1  # no new version
    assert "Photos and files saved" in staff.get(saved.headers["Location"]).get_data(True)

    # Saving again (a price changes: version 2) keeps the line, so its photo.
    again = _post(staff, edit, _form(acme, [("Brake pads", "700.00", pads),
                                            ("Wiper blades", "45.00", wipers)], **same))
    assert again.status_code == 303
    assert read(lambda: db.session.get(Estimate, estimate.id).version) == 2
    assert _lines(read, estimate.id)[0][0] == pads
    assert [f.id for f in _files(read, estimate_line_id=pads)] == [found[0].id]

    page = portal.get(f"/estimates/{estimate.id}").get_data(True)
    full = f"/estimates/{estimate.id}/files/{found[0].id}"
    assert f'href="{full}"' in page and f'src="{full}/thumb"' in page
    assert 'loading="lazy"' in page
    # beside line 1: after its description, before line 2's
    assert page.index("Brake pads") < page.index(full) < page.index("Wiper blades")
    opened = portal.get(full)
    assert opened.status_code == 200 and has_no_exif(opened.data)

    other = make.active_contact(make.customer(shop, "Other Co"), email="o@other.example")
    stranger = app.test_client()
    stranger.login_portal(other.email, PASSWORD)
    assert stranger.get(full).status_code == 404
    assert stranger.get(f"/estimates/{estimate.id}").status_code == 404

    console = staff.get(f"/staff/estimates/{estimate.id}").get_data(True)
    assert f"/staff/estimates/{estimate.id}/files/{found[0].id}/thumb" in console


def test_a_new_draft_takes_photos_and_they_are_staff_only(app, make, acme, staff, portal, read):
    answer = _post(staff, "/staff/estimates/new", _form(acme, [
        ("Leaking hose", "120.00", None), ("Belt", "80.00", None)], **{
        "lines-1-files": [file_part(photo(seed=3), "belt.jpg", JPEG),
                          file_part(pdf(), "belt spec.pdf", "application/pdf")]}))
    assert answer.status_code == 303, answer.get_data(True)[:3000]
    estimate = read(lambda: db.session.scalar(select(Estimate)))
    lines = _lines(read, estimate.id)
    files = _files(read, estimate_id=estimate.id)
    assert {f.estimate_line_id for f in files} == {lines[1][0]}
    assert sorted(f.filename for f in files) == ["belt spec.pdf", "belt.jpg"]
    url = f"/estimates/{estimate.id}/files/{files[0].id}"
    assert portal.get(url).status_code == 404
    assert staff.get("/staff" + url).status_code == 200


def test_a_refused_upload_says_so_at_its_line_and_stores_nothing(app, make, acme, staff, read):
    before = stored_keys(app)
    answer = _post(staff, "/staff/estimates/new", _form(acme, [
        ("Leaking hose", "120.00", None), ("Belt", "80.00", None)], **{
        "lines-0-files": [file_part(photo(), "ok.jpg", JPEG)],
        "lines-1-files": [file_part(SVG, "drawing.svg", "image/svg+xml")]}))
    assert answer.status_code == 422
    body = answer.get_data(True)
    assert 'id="lines-1-files-msg"' in body
    message = body.split('id="lines-1-files-msg">', 1)[1].split("</p>", 1)[0]
    assert message and "Up to 10 files" not in message
    assert f'href="#lines-1-files">{message}</a>' in body  # listed in the error summary
    assert 'value="Leaking hose"' in body and 'value="Belt"' in body
    assert read(lambda: db.session.scalar(select(func.count()).select_from(Estimate))) == 0
    assert stored_keys(app) == before


def test_removing_a_line_or_a_file_or_deleting_the_draft_removes_the_stored_objects(
        app, make, acme, staff, read):
    estimate = make.estimate(acme, status="draft", lines=(
        ("Brake pads", 1, 68000, False), ("Wipers", 1, 4500, False)))
    (pads, _), (wipers, _) = _lines(read, estimate.id)
    make.attachment(estimate, photo(seed=1), "pads.jpg", part=_part(read, pads))
    gone = make.attachment(estimate, photo(seed=2), "wipers.jpg", part=_part(read, wipers))
    kept_keys = stored_keys(app) - {gone.key, gone.thumb_key}
    edit = f"/staff/estimates/{estimate.id}/edit"
    saved = _post(staff, edit, _form(acme, [("Brake pads", "680.00", pads)]))  # wipers go
    assert saved.status_code == 303
    assert _lines(read, estimate.id) == [(pads, "Brake pads")]
    assert stored_keys(app) == kept_keys

    extra = make.attachment(estimate, photo(seed=4), "more.jpg", part=_part(read, pads))
    removed = staff.post_form(f"/staff/estimates/{estimate.id}/files/{extra.id}/remove?back=edit")
    assert removed.status_code == 303 and removed.headers["Location"] == edit
    assert stored_keys(app) == kept_keys
    assert staff.post_form(f"/staff/estimates/{estimate.id}/files/{extra.id}/remove"
                           ).status_code == 404

    deleted = staff.post_form(f"/staff/estimates/{estimate.id}/delete",
                              {"number": estimate.number})
    assert deleted.status_code == 303
    assert stored_keys(app) == set()


def test_a_foreign_estimate_file_is_404_to_remove(app, make, shop, acme, staff, read):
    estimate = make.estimate(acme)
    found = make.attachment(estimate, photo(), "a.jpg")
    other = make.estimate(make.customer(shop, "Other Co"))
    assert staff.post_form(f"/staff/estimates/{other.id}/files/{found.id}/remove"
                           ).status_code == 404
    foreign = app.test_client()
    foreign.login_staff(make.staff(make.shop("Other Shop"), email="x@o.example").email, PASSWORD)
    assert foreign.post_form(f"/staff/estimates/{estimate.id}/files/{found.id}/remove"
                             ).status_code == 404
    assert len(_files(read, estimate_id=estimate.id)) == 1


def _part(read, line_id):
    from portal_app.models import EstimateLine
    return read(lambda: db.session.get(EstimateLine, line_id))


def _wo_part(read, line_id):
    from portal_app.models import WorkOrderLine
    return read(lambda: db.session.get(WorkOrderLine, line_id))


def test_additional_work_lines_take_photos_the_customer_sees_when_deciding(app, make, acme, dana,
                                                                          staff, portal, read):
    work_order = make.work_order(acme)
    url = f"/staff/work-orders/{work_order.id}/additional-work"
    page = staff.get(url).get_data(True)
    assert ">Add photos or files</label>" in page and 'enctype="multipart/form-data"' in page
    refused = _post(staff, url, {"based_on": "0", "note": "Found at inspection",
                                 "lines-0-description": "Cracked mount",
                                 "lines-0-unit_price": "210.00",
                                 "lines-0-files": [file_part(SVG, "x.svg", "image/svg+xml")]})
    assert refused.status_code == 422
    body = refused.get_data(True)
    assert 'id="lines-0-files-msg"' in body and 'value="Cracked mount"' in body
    assert read(lambda: db.session.get(WorkOrder, work_order.id).approval_round) == 0
    sent = _post(staff, url, {"based_on": "0", "note": "Found at inspection",
                              "lines-0-description": "Cracked mount",
                              "lines-0-unit_price": "210.00",
                              "lines-0-files": [file_part(photo(), "mount.jpg", JPEG)]})
    assert sent.status_code == 303, sent.get_data(True)[:3000]
    pending = read(lambda: [line.id for line in db.session.get(WorkOrder, work_order.id)
                            .pending_lines])
    found = _files(read, work_order_line_id=pending[0])
    assert [f.filename for f in found] == ["mount.jpg"]
    page = portal.get(f"/work-orders/{work_order.id}").get_data(True)
    full = f"/work-orders/{work_order.id}/files/{found[0].id}"
    assert 'name="signed_name"' in page  # deciding
    assert page.index("Cracked mount") < page.index(f'src="{full}/thumb"')
    assert portal.get(full).status_code == 200 and has_no_exif(portal.get(full).data)
    console = staff.get(f"/staff/work-orders/{work_order.id}").get_data(True)
    assert f"/staff{full}/thumb" in console


def test_work_order_files_add_and_remove(app, make, shop, acme, staff, portal, read):
    work_order = make.work_order(acme)
    page = f"/staff/work-orders/{work_order.id}"
    assert ">Add photos or files</label>" in staff.get(page).get_data(True)
    empty = _post(staff, page + "/files", {})
    assert empty.status_code == 422
    assert "Choose at least one photo or file." in empty.get_data(True)
    before = stored_keys(app)
    refused = _post(staff, page + "/files", {"files": [file_part(SVG, "a.svg", "image/svg+xml")]})
    assert refused.status_code == 422 and stored_keys(app) == before
    added = _post(staff, page + "/files", {"files": [file_part(photo(), "unit.jpg", JPEG)]})
    assert added.status_code == 303 and added.headers["Location"].startswith(page)
    again = _post(staff, page + "/files", {"files": [file_part(photo(), "unit.jpg", JPEG)]})
    assert again.status_code == 303
    found = _files(read, work_order_id=work_order.id)
    assert [f.filename for f in found] == ["unit.jpg"]  # a double submit attaches it once
    assert f"/work-orders/{work_order.id}/files/{found[0].id}/thumb" in portal.get(
        f"/work-orders/{work_order.id}").get_data(True)

    other = make.work_order(make.customer(shop, "Other Co"))
    assert staff.post_form(f"/staff/work-orders/{other.id}/files/{found[0].id}/remove"
                           ).status_code == 404
    assert _post(staff, "/staff/work-orders/999999/files",
                 {"files": [file_part(photo(), "u.jpg", JPEG)]}).status_code == 404
    foreign = app.test_client()
    foreign.login_staff(make.staff(make.shop("Other Shop"), email="x@o.example").email, PASSWORD)
    assert foreign.post_form(f"{page}/files/{found[0].id}/remove").status_code == 404
    assert portal.post_form(f"{page}/files/{found[0].id}/remove").status_code in (302, 303, 404)
    removed = staff.post_form(f"{page}/files/{found[0].id}/remove")
    assert removed.status_code == 303
    assert _files(read, work_order_id=work_order.id) == [] and stored_keys(app) == before


def test_editing_a_work_order_keeps_its_lines_and_their_photos(app, make, acme, staff, read):
    work_order = make.work_order(acme, lines=(("Inspection", 1, 18500), ("Oil", 1, 9000)))
    lines = read(lambda: [line.id for line in db.session.get(WorkOrder, work_order.id).lines])
    make.attachment(work_order, photo(seed=5), "insp.jpg", part=_wo_part(read, lines[0]))
    gone = make.attachment(work_order, photo(seed=6), "oil.jpg", part=_wo_part(read, lines[1]))
    edit = f"/staff/work-orders/{work_order.id}/edit"
    assert f'name="lines-0-line_id" value="{lines[0]}"' in staff.get(edit).get_data(True)
    saved = staff.post_form(edit, {"description": "", "action": "save",
                                   "lines-0-description": "Full inspection",
                                   "lines-0-quantity": "1", "lines-0-unit_price": "200.00",
                                   "lines-0-line_id": str(lines[0])})
    assert saved.status_code == 303
    assert read(lambda: [line.id for line in db.session.get(WorkOrder, work_order.id).lines]
                ) == [lines[0]]
    assert [f.filename for f in _files(read, work_order_line_id=lines[0])] == ["insp.jpg"]
    assert gone.key not in stored_keys(app)


def test_a_decided_estimate_still_shows_what_was_found(app, make, acme, staff, portal, read):
    estimate = make.estimate(acme, lines=(("Brake pads", 1, 68000, False),))
    (pads, _), = _lines(read, estimate.id)
    found = make.attachment(estimate, photo(), "pads.jpg", part=_part(read, pads))
    decided = portal.post_form(f"/estimates/{estimate.id}/decision", {
        "version": "1", "signed_name": "Dana Ortiz", "decision": "approve_all"})
    assert decided.status_code == 303, decided.get_data(True)[:2000]
    for client, prefix in ((portal, ""), (staff, "/staff")):
        page = client.get(f"{prefix}/estimates/{estimate.id}").get_data(True)
        assert "What we found" in page
        assert f"{prefix}/estimates/{estimate.id}/files/{found.id}/thumb" in page
