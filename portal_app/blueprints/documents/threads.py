"""The conversation on a document (estimate, work order, service request), shared by every
document and both sides: the form each audience writes in, and posting to the thread inline
(htmx gets the thread back) or with a plain form (back to the page)."""

from __future__ import annotations

from flask import flash

from portal_app.blueprints.documents.forms import CommentForm, ReplyForm
from portal_app.extensions import db
from portal_app.services import comments
from portal_app.web.rendering import render, see_other, wants_fragment


def comment_form(audience, formdata=None):
    """The thread's form: the customer comments and staff reply, on every document; empty
    unless `formdata` is the posted form."""
    form_class = ReplyForm if audience.may("reply") else CommentForm
    return form_class() if formdata else form_class(formdata=None)


def post_comment(audience, document, reload, page_context, template: str, *,
                 post=comments.post):
    """Post a comment (customer) or a reply (staff) on `document` with post(document, author,
    body, key), which emails the other side; reload() loads the document again for its page."""
    form = comment_form(audience, True)
    if not form.validate_on_submit():
        return render(template, "thread", status=422,
                      **page_context(audience, document, form=form))
    post(document, audience.author(), form.body.data, form.submission_key.data)
    db.session.commit()
    if not wants_fragment():
        flash("Reply sent; the customer's contacts who want replies were emailed."
              if audience.may("reply") else
              "Comment sent.", "success")
        return see_other(document_url(audience, document) + "#thread")
    return render(template, "thread", **page_context(audience, reload()))


def document_url(audience, document) -> str:
    """The page of an estimate, a work order, an invoice or a service request for this
    audience."""
    feature, key = {"Estimate": ("estimates", "estimate_id"),
                    "WorkOrder": ("work_orders", "work_order_id"),
                    "Invoice": ("invoices", "invoice_id"),
                    "ServiceRequest": ("requests", "request_id")}[type(document).__name__]
    return audience.url(f"{feature}.detail", **{key: document.id})
