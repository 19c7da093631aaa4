"""The conversation on a document (estimate, work order, service request), shared by every
document and both sides: the form each audience writes in, and posting to the thread inline
(htmx gets the thread back) or with a plain form (back to the page).

A comment on an estimate, a work order or a service request may carry photos and files ("Add
photos or files"), or be only photos. They are checked before anything is written: a refused
file answers 422 with the message at the file field and in the error summary, the text kept,
no comment posted and nothing stored. The files then go on the comment, by its author; a double
submit (the same form's key) posts nothing and attaches nothing."""

from __future__ import annotations

from flask import flash

from portal_app.blueprints.documents.forms import CommentForm, ReplyForm
from portal_app.extensions import db
from portal_app.services import attachments, comments
from portal_app.web.rendering import render, see_other, wants_fragment


def comment_form(audience, formdata=None, takes_files: bool = True):
    """The thread's form: the customer comments and staff reply, on every document; empty
    unless `formdata` is the posted form. It knows its audience (the thread's photos are
    served from its pages) and whether its comments take files (not an invoice's)."""
    form_class = ReplyForm if audience.may("reply") else CommentForm
    form = form_class() if formdata else form_class(formdata=None)
    form.audience, form.takes_files = audience, takes_files
    return form


def post_comment(audience, document, reload, page_context, template: str, *,
                 post=comments.post):
    """Post a comment (customer) or a reply (staff) on `document` with post(document, author,
    body, key), which emails the other side, with the photos and files it came with; reload()
    loads the document again for its page."""
    takes_files = comments.takes_files(document)
    form = comment_form(audience, True, takes_files)
    valid = form.validate_on_submit()
    ready, problem = attachments.read_or_problem(0) if takes_files else ([], None)
    if problem:
        form.files.errors = [problem]
    if not valid or problem:
        return render(template, "thread", status=422,
                      **page_context(audience, document, form=form))
    author = audience.author()
    comment = post(document, author, form.body.data or "", form.submission_key.data)
    if comment is not None and ready:  # None: this form was posted already (a double submit)
        attachments.attach(ready, document, comment, by=author)
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
