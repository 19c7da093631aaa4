"""The conversation on an estimate or a work order, shared by both documents and both sides:
the form each audience writes in, and posting to the thread inline (htmx gets the thread back)
or with a plain form (back to the page)."""

from __future__ import annotations

from flask import flash, request

from portal_app.blueprints.estimates.forms import CommentForm, ReplyForm
from portal_app.extensions import db
from portal_app.web.rendering import render, see_other
from portal_app.services import comments


def comment_form(audience, formdata=None):
    form_class = ReplyForm if audience.may("reply") else CommentForm
    return form_class() if formdata else form_class(formdata=None)


def post_comment(audience, page: str, document_id: int, load, page_context, template: str):
    """Post a comment (customer) or a reply (staff) on the document; the other side is
    emailed."""
    document = load(audience, document_id)
    form = comment_form(audience, request.form)
    if not form.validate_on_submit():
        return render(template, "thread", status=422,
                      **page_context(audience, document, form=form))
    comments.post(document, audience.author(), form.body.data, form.submission_key.data)
    db.session.commit()
    if not request.htmx:
        flash("Reply sent; the customer was emailed." if audience.may("reply") else
              "Comment sent.", "success")
        return see_other(audience.url(page, **{f"{page}_id": document_id}) + "#thread")
    return render(template, "thread", **page_context(audience, load(audience, document_id)))
