"""What the console's document forms share (estimates, work orders, invoices): the customer and
unit pickers, "More lines" (blank rows through a plain post, so it works with JavaScript off),
and running a staff action that a document's state may refuse."""

from __future__ import annotations

from flask import abort, flash, g, request
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal_app.blueprints.documents.forms import BLANK_LINES, default_taxable
from portal_app.data.tenancy import shop_select
from portal_app.extensions import db
from portal_app.models import Asset, Customer, unit_number_key
from portal_app.services import drafts
from portal_app.web.audience import CONSOLE
from portal_app.web.rendering import render, see_other



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
