"""What the console's document forms share (estimates, work orders, invoices): the customer and
unit pickers, "More lines" (blank rows through a plain post, so it works with JavaScript off),
the photos and files of each line row ("what we found"), and running a staff action that a
document's state may refuse."""

from __future__ import annotations

from flask import abort, flash, g, request
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal_app.blueprints.documents.forms import BLANK_LINES, default_taxable, posted_lines
from portal_app.data.tenancy import shop_select
from portal_app.extensions import db
from portal_app.models import Asset, Customer, unit_number_key
from portal_app.services import attachments, drafts
from portal_app.web.audience import CONSOLE
from portal_app.web.ids import parse_id
from portal_app.web.rendering import render, see_other

NO_FILE = "Choose at least one photo or file."
BLANK_ROW_FILES = "Describe this line first: its photos and files go with it."


def customer_choices() -> list[SelectChoice]:
    """The shop's customers, by name, as a select's choices."""
    return [SelectChoice(str(c.id), c.name) for c in db.session.execute(
        select(Customer.id, Customer.name).where(Customer.shop_id == g.shop.id)
        .order_by(Customer.name))]


def named_asset(form, customer_id: int) -> Asset | None | bool:
    """The customer's unit named in the form (None when empty); False, with the error next to
    the field, when the customer has no such unit."""
    if not form.unit_number.data:
        return None
    asset = db.session.scalar(select(Asset).where(
        Asset.shop_id == g.shop.id, Asset.customer_id == customer_id,
        Asset.unit_number_key == unit_number_key(form.unit_number.data)))
    if asset is None:
        form.unit_number.errors.append(
            f"This customer has no unit numbered “{form.unit_number.data}”. Check the number "
            "or add the asset first.")
        return False
    return asset


def row_field(entry) -> str:
    """The name (and id) of a line row's file field: "lines-0-files"."""
    return f"{entry.name}-{attachments.FIELD}"


def row_line_id(entry) -> int | None:
    """The id of the line a row was filled from (its hidden `line_id`), if it names one."""
    field = getattr(entry.form, "line_id", None)
    return parse_id(field.data) if field is not None else None


def posted_lines_with_ids(form) -> list[dict]:
    """posted_lines(), each with the `line_id` its row names (None for a new line): a service
    changes that line in place, so it keeps its id and its photos."""
    rows = [entry for entry in form.lines if not entry.form.is_blank]
    return [{**line, "line_id": row_line_id(entry)}
            for entry, line in zip(rows, posted_lines(form))]


def line_uploads(form, document, problems: dict) -> dict | None:
    """Check the files posted on each line row of `form` for `document` (None: a new one; a
    row may name one of its lines, whose files so far count towards its limit). Returns the
    checked files by row index, or None with {field id: message} put into `problems` (the page
    shows each at its row's field). Nothing is stored."""
    lines = {line.id: line for line in document.lines} if document is not None else {}
    ready = {}
    for index, entry in enumerate(form.lines):
        name = row_field(entry)
        if not attachments.posted(name):
            continue
        if entry.form.is_blank:
            problems[name] = BLANK_ROW_FILES
            continue
        line = lines.get(row_line_id(entry))
        already = attachments.count(document, line) if line is not None else 0
        ready[index], problem = attachments.read_or_problem(already=already, field=name)
        if problem:
            problems[name] = problem
    return None if problems else ready


def attach_line_files(ready: dict, form, document, lines, by) -> int:
    """Store each row's checked files on the line it became (`lines`: the saved lines, in the
    order of the form's non-blank rows); return how many were added."""
    rows = [index for index, entry in enumerate(form.lines) if not entry.form.is_blank]
    return sum(len(attachments.attach(ready[index], document, line, by=by))
               for index, line in zip(rows, lines) if ready.get(index))


def files_added(count: int) -> str:
    return f" {count} photo{'s' if count != 1 else ''} or file{'s' if count != 1 else ''} added." \
        if count else ""


def lines_form_page(form, template: str, save, prefill=None, **context):
    """A console form with line rows. A GET shows it as prefill() fills it; "More lines" (a
    plain post, so it works with JavaScript off) adds blank rows and saves nothing; another
    post runs save(), which returns where to go next, or None with the errors on the form
    (422, with everything typed kept)."""
    more = request.method == "POST" and request.form.get("action") == "more_lines"
    if more:
        for _ in range(BLANK_LINES):
            form.lines.append_entry()
    elif request.method == "GET":
        if prefill is not None:
            prefill()
    else:
        target = save()
        if target is not None:
            return see_other(target)
    default_taxable(form, g.shop)  # blank rows start as the shop taxes their kind
    status = 422 if request.method == "POST" and not more else 200
    return render(template, form=form, audience=CONSOLE, status=status, **context)


def act(apply, refused: type[Exception], back: str):
    """Run a staff action: apply() changes the document and returns what to tell; commit and
    say it, or, when the document's state refuses (`refused`), roll back and say why. Then
    back to `back` (a page)."""
    try:
        message = apply()
    except refused as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return see_other(back)


def delete_draft(model, ident: int, kind: str, delete, options=()):
    """"Delete draft" of an estimate or invoice (`kind`): delete(document, staff) deletes it or
    refuses (drafts.NotADraft, said on the document's page). The form names the number it was
    for: when the id is gone (a double click, a second tab) or names another document (SQLite
    may give a deleted id to the next row), and the shop's audit log has that number's draft
    deleted, that is said on the list; anything else is a 404, another shop's id too."""
    number = request.form.get("number", "").strip()[:30]
    document = db.session.scalars(shop_select(model).where(model.id == ident)
                                  .options(*options)).unique().first()
    endpoint = f"{kind}s"
    if document is None or (number and document.number != number):
        if not drafts.deleted_before(g.shop.id, kind, number):
            abort(404)
        flash(f"{number} was deleted already.", "info")
        return see_other(CONSOLE.url(f"{endpoint}.index"))
    number = document.number
    try:
        delete(document, current_user._get_current_object())
    except drafts.NotADraft as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return see_other(CONSOLE.url(f"{endpoint}.detail", **{f"{kind}_id": ident}))
    db.session.commit()
    flash(f"Draft {number} deleted.", "success")
    return see_other(CONSOLE.url(f"{endpoint}.index"))
