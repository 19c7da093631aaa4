"""The customer's request form, /requests/new, with its draft on the server.

The request form's state lives in a ServiceRequestDraft. Every change posts the whole form to
save_draft(); the server compares the draft before and after and answers with only the part of
the form that depends on what changed (HX-Retarget names it), or 204 when nothing does:
a new location re-renders the asset field, an asset at another location re-renders location and
asset, a date re-renders its own message. Without JavaScript the "Update" button posts the same
endpoint and comes back to /requests/new (303). A location or asset id that is not the
customer's is refused: it is not stored, and the form comes back 422 with the message.

Photos and files ("Add photos or files") go with a full post of the form only: "Update" (the
button shown without JavaScript) or "Submit request". They are checked as a whole and attached
to the draft, so they stay with it across reloads like its other fields, and move to the request
it becomes. htmx's saves on change post the fields url-encoded (hx-encoding), never the chosen
files, and save_draft() ignores files in them. A refused upload stores nothing, is 422 with the
message at the field and in the error summary, and keeps the other fields (saved in the draft).
The draft's files are served and removed under /requests/new/files/<id>, for the person whose
draft it is only."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, make_response, request, url_for
from htmx_flask import make_response as htmx_response
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal_app.blueprints.assets.editing import customer_locations
from portal_app.blueprints.documents import files
from portal_app.blueprints.requests import bp
from portal_app.data.tenancy import customer_select
from portal_app.extensions import db
from portal_app.files.storage import Missing
from portal_app.models import URGENCIES, Asset, Attachment, Location, ServiceRequest
from portal_app.services import attachments
from portal_app.services import service_requests as service
from portal_app.web.audience import PORTAL
from portal_app.web.ids import parse_id
from portal_app.web.rendering import render, see_other, wants_fragment

ASSET_CHOICES_LIMIT = 500


def _own(model, raw: str):
    """The customer's row with this id, or None (foreign, unknown or not an id)."""
    ident = parse_id(raw)
    if ident is None:
        return None
    return db.session.scalar(customer_select(model).where(model.id == ident))


def posted_draft_values() -> tuple[dict, dict]:
    """Read the request form's fields that were posted: (values for update_draft, errors)."""
    form, values, errors = request.form, {}, {}
    if "location_id" in form:
        raw = form["location_id"].strip()
        values["location"] = None if not raw else _own(Location, raw)
        if raw and values["location"] is None:
            del values["location"]
            errors["location_id"] = "Choose one of your locations."
    if "asset" in form:
        raw = form["asset"].strip()
        if raw in ("", service.NOT_LISTED):
            values["asset"] = raw or None
        else:
            asset = _own(Asset, raw)  # an archived one is still the customer's own
            if asset is None:
                errors["asset"] = "Choose one of your assets, or “Asset not listed”."
            else:
                values["asset"] = asset
    if "desired_date" in form:
        raw = form["desired_date"].strip()
        try:
            values["desired_date"] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors["desired_date"] = "Enter the date as year-month-day, for example 2026-12-01."
    if "urgency" in form:
        if form["urgency"] in URGENCIES:
            values["urgency"] = form["urgency"]
        else:
            errors["urgency"] = "Choose how urgent the work is."
    for name in ("asset_description", "description"):
        if name in form:
            values[name] = form[name]
    return values, errors


def _asset_choices(draft) -> list[Asset]:
    """The asset list: active units at the chosen location (and those with no location), or all
    active units; the draft's own asset always stays in the list, so no save ever drops it."""
    offered = Asset.archived.is_(False)
    if draft.location_id is not None:
        offered = and_(offered, or_(Asset.location_id == draft.location_id,
                                    Asset.location_id.is_(None)))
    if draft.asset_id is not None:
        offered = or_(offered, Asset.id == draft.asset_id)
    query = customer_select(Asset).options(joinedload(Asset.location)).where(offered)
    return db.session.scalars(
        query.order_by(Asset.unit_number_key, Asset.id).limit(ASSET_CHOICES_LIMIT)).all()


def _form_context(draft, problems: dict) -> dict:
    return {"draft": draft, "problems": problems, "locations": customer_locations(g.customer),
            "asset_choices": _asset_choices(draft), "urgencies": URGENCIES,
            "earliest": service.earliest_service_date(),
            "save_url": url_for("requests.save_draft"), "audience": PORTAL,
            "files": attachments.of(draft) if draft.id is not None else []}


def _posted_files() -> tuple[list, str | None]:
    """The files posted with the form, checked before anything is written: (ready, problem)."""
    if not attachments.posted():
        return [], None
    draft = service.find_draft(g.contact)
    return attachments.read_or_problem(already=attachments.count(draft) if draft else 0)


def _attach(ready: list, draft) -> list[str]:
    """Attach the checked files to the draft (its row is locked by now, so the count is sure);
    return the storage keys written, to delete again if the transaction is rolled back.
    Raises Refused when the draft has no room left for them."""
    if not ready:
        return []
    already = attachments.count(draft)
    if already + len(ready) > attachments.MAX_PER_ITEM:  # another tab added some meanwhile
        raise attachments.Refused(f"Up to {attachments.MAX_PER_ITEM} files per item: this one "
                                  f"can take {max(attachments.MAX_PER_ITEM - already, 0)} more.")
    ids = attachments.attach(ready, draft, by=g.contact)
    rows = db.session.execute(select(Attachment.key, Attachment.thumb_key).where(
        Attachment.id.in_(ids))).all() if ids else []
    return [key for row in rows for key in row if key]


def _forget(keys: list[str]) -> None:
    """Delete the objects of files whose rows were rolled back."""
    for key in keys:
        try:
            attachments.storage().delete(key)
        except Missing:
            pass


def _date_problem(draft, errors: dict) -> dict:
    problem = errors.get("desired_date") or service.draft_problems(draft).get("desired_date")
    return {"desired_date": problem} if problem else {}


def _part(block: str, target: str, draft, problems: dict, status: int = 200):
    """Answer an htmx save with one part of the form, swapped in place of `target`."""
    return htmx_response(render("requests/new.html", block, status=status,
                                **_form_context(draft, problems)),
                         retarget=target, reswap="outerHTML")


def _already_sent(done: ServiceRequest):
    """Answer a repeated submit of a draft (double click, second tab) with the request it made."""
    flash(f"Request #{done.id} was already sent to {g.shop.name}; here it is.", "info")
    return see_other(url_for("requests.detail", request_id=done.id))


def _form_changed_elsewhere():
    flash("The form changed in another tab. Check it and submit again.", "error")
    return see_other(url_for("requests.new"))


@bp.route("/requests/new", methods=["GET", "POST"])
@files.takes_files
def new():
    """Show the request form as the draft left it; on POST, submit the request (once), with the
    files posted along (attached to the draft first, so a form sent back keeps them)."""
    if request.method == "GET":
        draft = service.find_draft(g.contact) or service.new_draft(g.contact)
        return render("requests/new.html", **_form_context(draft, {}))
    posted_token = request.form.get("draft_token")
    if done := service.submitted_from(posted_token, g.contact):
        return _already_sent(done)
    values, errors = posted_draft_values()
    ready, refused = _posted_files()
    token, stored = posted_token, []
    try:
        draft = service.draft_for_update(g.contact)
        token = draft.token
        if posted_token != token and (done := service.submitted_from(posted_token, g.contact)):
            db.session.rollback()  # its draft became a request a moment ago, in another click
            return _already_sent(done)
        service.update_draft(draft, values)
        if refused is None:
            try:
                stored = _attach(ready, draft)
            except attachments.Refused as problem:
                refused = str(problem)
        problems = {**service.draft_problems(draft), **errors}
        if refused:
            problems["files"] = refused
        if problems:
            db.session.commit()  # the draft keeps every value, also the refused ones' neighbours
            return render("requests/new.html", status=422, **_form_context(draft, problems))
        if posted_token != token and (done := service.just_sent_the_same(draft, g.contact)):
            db.session.rollback()  # a form without its token, sent twice: still one request
            _forget(stored)
            return _already_sent(done)
        created = service.submit_draft(draft, g.contact)
        db.session.commit()
    except (service.DraftAlreadySubmitted, IntegrityError, StaleDataError):
        db.session.rollback()  # another submit of this draft won: show what it made
        _forget(stored)
        done = service.submitted_from(token, g.contact) or \
            service.submitted_from(posted_token, g.contact)
        return _already_sent(done) if done else _form_changed_elsewhere()
    flash(f"Request #{created.id} sent to {g.shop.name}. They will reply here and by email.",
          "success")
    return see_other(url_for("requests.detail", request_id=created.id))


@bp.post("/requests/new/draft")
@files.takes_files
def save_draft():
    """Save the request form's fields into the draft; answer with what must be re-rendered.
    "Update" (a full post) also attaches the files posted with it; an htmx save has none."""
    posted_token = request.form.get("draft_token")
    if done := service.submitted_from(posted_token, g.contact):
        # A late save from a page whose request was sent meanwhile: nothing left to save.
        return make_response("", 204) if wants_fragment() else _already_sent(done)
    values, errors = posted_draft_values()
    ready, refused = ([], None) if wants_fragment() else _posted_files()
    stored = []
    try:
        draft = service.draft_for_update(g.contact)
        changed = service.update_draft(draft, values)
        if refused is None:
            try:
                stored = _attach(ready, draft)
            except attachments.Refused as problem:
                refused = str(problem)
        db.session.commit()
    except StaleDataError:  # the draft was submitted by another tab between read and write
        db.session.rollback()
        _forget(stored)
        done = service.submitted_from(posted_token, g.contact)
        if wants_fragment():
            return make_response("", 204)
        return _already_sent(done) if done else _form_changed_elsewhere()
    if not wants_fragment():
        if refused:
            errors["files"] = refused
        if errors:
            return render("requests/new.html", status=422, **_form_context(draft, errors))
        if stored:
            flash("Your photos and files were added to the request form.", "success")
        return see_other(url_for("requests.new"))
    if "location_id" in errors or "asset" in errors:
        return _part("place_fields", "#place-fields", draft, errors, 422)
    if "asset_chose_location" in changed:
        return _part("place_fields", "#place-fields", draft, {})
    if changed & {"location", "asset_not_listed"}:
        return _part("asset_field", "#asset-field", draft, {})
    if "desired_date" in changed or "desired_date" in errors:
        return _part("date_message", "#date-msg", draft, _date_problem(draft, errors))
    return make_response("", 204)


def _current_draft():
    """The logged-in person's own draft (an Administrator's preview has none), else 404."""
    draft = service.find_draft(g.contact)
    if draft is None:
        abort(404)
    return draft


@bp.get("/requests/new/files/<int:file_id>")
def draft_file(file_id: int):
    """A photo or file of the person's request form (their draft); anyone else's is a 404."""
    return files.serve(_current_draft(), file_id)


@bp.get("/requests/new/files/<int:file_id>/thumb")
def draft_thumb(file_id: int):
    return files.serve(_current_draft(), file_id, thumbnail=True)


@bp.post("/requests/new/files/<int:file_id>/remove")
def draft_file_remove(file_id: int):
    """Remove a photo or file from the request form (its stored objects too)."""
    files.remove(_current_draft(), file_id)
    return see_other(url_for("requests.new"))
