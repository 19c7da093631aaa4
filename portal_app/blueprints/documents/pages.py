"""The pages every document has, written once for every document type and both audiences: its
page, its printable view and its PDF, posting to its thread, and in the portal the total of the
ticked lines and the decision (estimates and work orders).

A feature describes its document (how it is loaded, what its page shows, its template) as a
`Document` and `register`s the pages it has under its own URL rule, on its portal blueprint
and its console blueprint. The views find the document type by the name of the id in the URL
(`estimate_id`, `work_order_id`, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, update_wrapper

from flask import Blueprint, g, make_response, request, url_for
from sqlalchemy.orm import joinedload

from portal_app.auth.limits import comment_limit
from portal_app.blueprints.documents import decisions, files, threads
from portal_app.blueprints.documents.forms import DecisionForm
from portal_app.clock import today
from portal_app.models import Approval
from portal_app.services import approvals, comments
from portal_app.web.audience import PORTAL, Pages
from portal_app.web.headers import download
from portal_app.web.pdf import PDF_TYPE, render_pdf
from portal_app.web.rendering import render


@dataclass(frozen=True)
class Document:
    kind: str  # its name in templates: "estimate", "work_order", "invoice", "item"
    load: Callable  # load(audience, ident): the document, or 404
    context: Callable  # context(audience, document, **shown): what its page shows
    template: str  # its page; "thread" and "totals" are blocks of it
    print_template: str | None = None  # its printable view, if it has one
    printed: Callable = lambda audience, document: {}  # more context of the printable view
    post: Callable | None = comments.post  # post(document, author, body, key), or no thread
    files: bool = True  # has photos and files (its own, its comments', its lines')


DOCUMENTS: dict[str, Document] = {}  # by the name of the document's id in its URLs


def register(routes: Pages, portal: Blueprint, rule: str, document: Document, *,
             console: str | None = None, decided: bool = False) -> None:
    """Register the document's pages under `rule` ("/estimates/<int:estimate_id>"), and
    `console` in the console where it differs: its page, its print view and its PDF (the
    print view rendered by WeasyPrint, "/pdf") and its thread
    ("/comments", the console's "/reply") when it has them, its photos and files ("/files/<id>",
    blueprints/documents/files.py), and with `decided` the portal's total and decision."""
    DOCUMENTS[rule.rsplit(":", 1)[-1].rstrip(">")] = document
    console = console or rule
    routes.route(rule, console=console)(detail)
    if document.files:
        files.register(routes, rule, document.load, console)
    if document.print_template is not None:
        routes.route(rule + "/print", console=console + "/print")(print_view)
        routes.route(rule + "/pdf", console=console + "/pdf")(pdf_view)
    if document.post is not None:
        routes.route(rule + "/comments", console=console + "/reply", methods=("POST",))(
            comment_with_files if document.files else comment)
    if decided:
        portal.add_url_rule(rule + "/total", view_func=total, methods=["POST"])
        portal.add_url_rule(rule + "/decision", view_func=decision, methods=["POST"])


def _found(ids: dict) -> tuple[Document, int]:
    (name, ident), = ids.items()
    return DOCUMENTS[name], ident


def detail(audience, **ids):
    """The document's page for this audience."""
    document, ident = _found(ids)
    return render(document.template, **document.context(audience, document.load(audience, ident)))


def _printed(audience, document: Document, found) -> dict:
    """What the print view and the PDF show (one sheet): the document and its back link."""
    return {"audience": audience, "today": today(), "back": threads.document_url(audience, found),
            document.kind: found, **document.printed(audience, found)}


def print_view(audience, **ids):
    """The document on paper: no navigation, a print stylesheet, a link to its PDF."""
    document, ident = _found(ids)
    found = document.load(audience, ident)
    feature = request.endpoint.rsplit(".", 1)[0]  # "invoices" or "staff.invoices"
    return render(document.print_template, pdf_url=url_for(feature + ".pdf_view", **ids),
                  **_printed(audience, document, found))


def document_pdf(audience, **ids) -> tuple[str, bytes]:
    """The document's PDF as this audience sees it (its print view rendered by WeasyPrint) and
    its file name, the document's number (INV-0007.pdf); one it may not see is a 404. Also
    used outside a view (an invoice email's attachment), in a request context with g.shop (and
    in the portal g.customer)."""
    document, ident = _found(ids)
    found = document.load(audience, ident)
    return f"{found.number}.pdf", render_pdf(document.print_template, shop=g.shop,
                                             **_printed(audience, document, found))


def pdf_view(audience, **ids):
    """Download PDF: the print view as a PDF attachment."""
    name, body = document_pdf(audience, **ids)
    return download(make_response(body), name, PDF_TYPE)


@comment_limit
def comment(audience, **ids):
    """Post a comment (customer) or a reply (staff) in the document's thread."""
    document, ident = _found(ids)
    return threads.post_comment(audience, document.load(audience, ident),
                                lambda: document.load(audience, ident), document.context,
                                document.template, post=document.post)


# The same view where the thread takes photos and files: it accepts an upload's body (an
# invoice's thread, words only, keeps the app's 1 MB limit).
comment_with_files = files.takes_files(
    update_wrapper(partial(comment), comment))


def total(**ids):
    """The total of the required lines and the ticked optional ones: htmx gets the totals
    block; "Update total" with JavaScript off gets the page with the ticks and typing kept."""
    document, ident = _found(ids)
    return decisions.total(PORTAL, document.load(PORTAL, ident), document.context,
                           document.template)


def decision(**ids):
    """Approve all, approve selected or decline what the customer saw."""
    document, ident = _found(ids)
    return decisions.decide(PORTAL, lambda: document.load(PORTAL, ident), document.context,
                            document.template)


def load_decided(audience, model, ident: int, *related):
    """An estimate or a work order with its customer, location, unit, lines and receipts (and
    `related`, other one-to-one rows its page shows), in one query (a document has a few lines
    and receipts: joining them costs less than a query each); another shop's or customer's is
    a 404."""
    return audience.get_or_404(
        model, ident, *audience.with_customer(model), joinedload(model.location),
        joinedload(model.asset), *(joinedload(one) for one in related), joinedload(model.lines),
        joinedload(model.approvals).joinedload(Approval.contact))


def decided_context(audience, kind: str, document, *, waiting, version: int, deciding: bool,
                    decision_form=None, ticked=None, refusal=None, form=None, **extra) -> dict:
    """Everything the page of an estimate or a work order (`kind`) shows to this audience:
    `waiting` are the lines the customer decides on, `version` the version (or round) the
    decision is tied to, `deciding` whether this audience decides here now."""
    ticked = ticked if ticked is not None else set()
    if decision_form is None and deciding:  # made only where the page shows it
        decision_form = DecisionForm(formdata=None, version=version)
    return {"audience": audience, kind: document, "customer": document.customer,
            "today": today(), "ticked": ticked, "refusal": refusal, "deciding": deciding,
            "decision_form": decision_form, "totals": approvals.totals(waiting, ticked, document.tax),
            "comments": comments.thread(document), "form": form or threads.comment_form(audience),
            **extra}
