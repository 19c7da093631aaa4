"""Upload a CSV, read its preview, Import it, then (customers) Invite imported contacts."""

from __future__ import annotations

from flask import abort, flash, g, request, url_for
from flask_login import current_user

from portal_app.blueprints.imports import REQUEST_LIMIT, bp
from portal_app.blueprints.imports.forms import UploadForm
from portal_app.data.tenancy import shop_get_or_404
from portal_app.extensions import db
from portal_app.models import ImportUpload
from portal_app.services import accounts, audit, imports
from portal_app.web.csv_out import csv_response
from portal_app.web.pagination import Page, page_number
from portal_app.web.rendering import render, see_other
from portal_app.web.request import accepts_upload

PER_PAGE = 100
SHOWN = ("all", "error", "new", "update")


def _upload_page(form: UploadForm, status: int = 200):
    return render("imports/upload.html", form=form, kinds=imports.KIND_LABELS,
                  columns=imports.COLUMNS, required=imports.REQUIRED,
                  limits={"bytes": imports.MAX_BYTES, "rows": imports.MAX_ROWS}, status=status)


@bp.errorhandler(413)
def too_large(error):
    """A body over the limit: the upload page with the reason next to the file field."""
    form = UploadForm(formdata=None)
    form.file.errors = [imports.too_large_message()]
    return _upload_page(form, 413)


@bp.route("", methods=["GET", "POST"])
@accepts_upload(REQUEST_LIMIT)
def index():
    """Choose a file and what it holds; a readable file is kept and previewed."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 422 if request.method == "POST" else 200)
    upload = form.file.data
    try:
        text = imports.read_upload(upload.read(imports.MAX_BYTES + 1), form.kind.data)
    except imports.FileRefused as refusal:
        form.file.errors = [str(refusal)]
        return _upload_page(form, 422)
    kept = imports.keep_upload(g.shop, current_user.id, form.kind.data,
                               upload.filename or "", text)
    db.session.commit()
    return see_other(url_for("admin.imports.preview", upload_id=kept.id))


@bp.get("/template.csv")
def template():
    """The template of a kind (?kind=customers or assets): its columns and example rows."""
    kind = request.args.get("kind", "customers")
    if kind not in imports.COLUMNS:
        abort(404)
    header, rows = imports.template_rows(kind)
    return csv_response(f"import-{kind}.csv", header, rows)


def _shown_rows(plan: imports.Plan, shown: str) -> Page:
    rows = plan.rows if shown == "all" else [row for row in plan.rows if row.status == shown]
    page = page_number()
    start = (page - 1) * PER_PAGE
    return Page(items=rows[start:start + PER_PAGE], page=page,
                has_next=len(rows) > start + PER_PAGE)


@bp.get("/<int:upload_id>")
def preview(upload_id: int):
    """Every row as new, update or error (with the cell's message), and Import; once imported,
    what is left to do: Invite imported contacts."""
    upload = shop_get_or_404(ImportUpload, upload_id)
    shown = request.args.get("show", "all")
    shown = shown if shown in SHOWN else "all"
    if upload.imported_at is not None:
        invitable = (imports.contacts_to_invite(g.shop, upload.content)
                     if upload.kind == "customers" else [])
        return render("imports/preview.html", upload=upload, plan=None, invitable=invitable,
                      kinds=imports.KIND_LABELS)
    try:
        plan = imports.plan(g.shop, upload.kind, upload.content)
    except imports.FileRefused as refusal:  # read at upload: only if the rules changed since
        flash(str(refusal), "error")
        return see_other(url_for("admin.imports.index"))
    return render("imports/preview.html", upload=upload, plan=plan, shown=shown,
                  page=_shown_rows(plan, shown), kinds=imports.KIND_LABELS, invitable=[],
                  columns=imports.COLUMNS[upload.kind])


@bp.post("/<int:upload_id>/import")
def run(upload_id: int):
    """Import: write the valid rows in one transaction, once per upload."""
    upload = shop_get_or_404(ImportUpload, upload_id)
    if not imports.claim(upload):
        db.session.rollback()
        flash("This file was imported already; nothing was imported again.", "info")
        return see_other(url_for("admin.imports.preview", upload_id=upload_id))
    try:
        plan = imports.plan(g.shop, upload.kind, upload.content)
    except imports.FileRefused as refusal:  # read at upload: only if the rules changed since
        db.session.rollback()
        flash(str(refusal), "error")
        return see_other(url_for("admin.imports.index"))
    outcome = imports.apply(g.shop, plan)
    audit.record(g.shop.id, current_user, f"{upload.kind}_imported",
                 f"{upload.filename}: {outcome.summary()}")
    db.session.commit()
    flash(f"Imported {upload.filename}: {outcome.summary()}.", "success")
    return see_other(url_for("admin.imports.preview", upload_id=upload_id))


@bp.post("/<int:upload_id>/invite")
def invite(upload_id: int):
    """Invite imported contacts: those of the file without a login or an invitation yet."""
    upload = shop_get_or_404(ImportUpload, upload_id)
    if upload.imported_at is None or upload.kind != "customers":
        flash("Import the customers file first; then invite its contacts.", "info")
        return see_other(url_for("admin.imports.preview", upload_id=upload_id))
    contacts = imports.contacts_to_invite(g.shop, upload.content)
    for contact in contacts:
        accounts.invite_contact(contact)
    if contacts:
        audit.record(g.shop.id, current_user, "import_contacts_invited",
                     f"{upload.filename}: {len(contacts):,} imported contact"
                     f"{'s' if len(contacts) != 1 else ''} invited")
    db.session.commit()
    flash(f"Invitation sent to {len(contacts):,} imported contact"
          f"{'s' if len(contacts) != 1 else ''}." if contacts else
          "Every imported contact has a login or an invitation already.", "success")
    return see_other(url_for("admin.imports.preview", upload_id=upload_id))
