"""Invoice pages, written once for both audiences: the list (the portal's with its "Pay
selected" buttons, the console's with drafts, a search and a customer filter; both with filters
by unit, PO number and issue date) and its CSV export, the invoice's page (the portal's with how
to pay it, the console's with "Mark as paid" and "Void") and its printable view."""

from __future__ import annotations

from flask import abort, g, redirect, request
from sqlalchemy.orm import joinedload

from portal_app.blueprints.documents import lists, pages, recipients, threads
from portal_app.blueprints.invoices import bp, console
from portal_app.blueprints.invoices.forms import (
    InvoiceFilterForm,
    IssueForm,
    ManualPaymentForm,
    VoidForm,
)
from portal_app.clock import today
from portal_app.models import Invoice
from portal_app.mail.emails import portal_link
from portal_app.services import comments, filing, stripe_gateway
from portal_app.services import invoices as invoice_queries
from portal_app.services.invoices import due_by_terms, list_order, payment_settings
from portal_app.services.payments import failure_advice
from portal_app.web.audience import Pages
from portal_app.web.csv_out import csv_response
from portal_app.web.rendering import render

routes = Pages(portal=bp, console=console)
PORTAL_FILTERS = ("unpaid", "overdue", "processing", "paid", "void")
CONSOLE_FILTERS = ("draft",) + PORTAL_FILTERS


@routes.route("/invoices")
def index(audience):
    """The invoices, filtered by status (and in the console by customer name or number), unit,
    PO number and issue date: the portal's by issue date, the console's newest first; overdue
    ones by due date. A filter typed wrong is said next to its field and not applied."""
    day = today()
    values, params, form, where = _filters(audience)
    page = lists.listing(audience, Invoice, values, number_prefix="INV-", day=day,
                         order=list_order(values["status"], *_newest(audience)), where=where)
    methods = stripe_gateway.payment_methods(payment_settings(g.shop)) \
        if audience.may("pay") else ()
    statuses = CONSOLE_FILTERS if audience.may("see_drafts") else PORTAL_FILTERS
    return render("invoices/index.html", "results", audience=audience, page=page,
                  values=values, params=params, today=day, statuses=statuses, methods=methods,
                  for_customer=lists.listed_customer(audience, values), filters=form)


EXPORT_HEADER = ("Invoice number", "Issued", "Due", "Unit number", "PO number", "Subtotal",
                 "Tax", "Total", "Paid", "Due amount", "Status")


@routes.route("/invoices/export.csv")
def export(audience):
    """Every invoice the list shows with the same filters (not only its page), newest first, as
    a CSV for accounts payable (the console's with the customer first), streamed. Filters typed
    wrong go back to the list, which says what is wrong."""
    day = today()
    values, params, form, where = _filters(audience)
    if form.errors:
        return redirect(audience.url("invoices.index", **params), 303)
    lists.listed_customer(audience, values)  # another shop's customer: 404
    console = audience.may("see_all_customers")
    invoices = lists.narrowed(audience, Invoice, values, number_prefix="INV-", day=day,
                              where=where).order_by(*_newest(audience))
    header = (("Customer",) if console else ()) + EXPORT_HEADER
    return csv_response(f"invoices-{day:%Y-%m-%d}.csv", header,
                        invoice_queries.export_rows(invoices, day, with_customer=console))


def _newest(audience) -> tuple:
    """Newest first: the console's by creation (drafts have no issue date yet), the portal's by
    issue date."""
    if audience.may("see_drafts"):
        return (Invoice.id.desc(),)
    return (Invoice.issued_on.desc(), Invoice.id.desc())


def _filters(audience):
    """The list's filters from the query string: (values, params for links, the filter form
    with its messages, the SQL conditions of the ones typed right)."""
    filters = CONSOLE_FILTERS if audience.may("see_drafts") else PORTAL_FILTERS
    values, params = lists.list_filters(audience, filters)
    form = InvoiceFilterForm(formdata=request.args)
    form.validate()
    params.update(form.params())
    where = invoice_queries.issued_between(form.valid("issued_from"), form.valid("issued_to"))
    if form.valid("unit"):
        where.append(invoice_queries.for_unit(
            form.valid("unit"), g.shop.id, None if audience.may("see_all_customers")
            else g.customer.id))
    if form.valid("po"):
        where.append(invoice_queries.with_po(form.valid("po")))
    return values, params, form, where


def load(audience, invoice_id: int) -> Invoice:
    """The invoice with its customer, unit, lines and payments, in one query (drafts are the
    console's)."""
    return audience.get_or_404(Invoice, invoice_id, *audience.with_customer(Invoice),
                               joinedload(Invoice.asset), joinedload(Invoice.work_order),
                               joinedload(Invoice.lines), joinedload(Invoice.payments))


def page_context(audience, invoice: Invoice, *, payment_form=None, void_form=None,
                 issue_form=None, form=None) -> dict:
    """Everything the invoice's page shows: in the portal how to pay it (and what went wrong
    with the last payment), in the console the forms that issue a draft (with its due date),
    record a payment and void it, and how the customer is told to pay."""
    context = {"audience": audience, "invoice": invoice, "today": today(),
               "payments": invoice.payments}
    if invoice.state != "draft":  # the thread, with the customer: not on a draft they can't see
        context.update(comments=comments.thread(invoice),
                       form=form or threads.comment_form(audience))
    if audience.may("pay"):
        settings = payment_settings(g.shop)
        last = invoice.payments[-1] if invoice.payments else None
        failed = last if last is not None and last.status == "failed" else None
        context.update(
            methods=stripe_gateway.payment_methods(settings), settings=settings,
            failed_payment=failed, advice=failure_advice(failed),
            bank_unusable=failed is not None and failed.method == "ach"
            and stripe_gateway.is_ach_unusable(failed.failure_code),
            payments=[p for p in invoice.payments if p.status not in ("pending", "canceled")])
    if audience.may("record_payment"):
        if payment_form is None:
            payment_form = ManualPaymentForm(formdata=None)
            payment_form.amount.data = f"{invoice.amount_due_cents / 100:.2f}"
            payment_form.paid_on.data = today()
        if issue_form is None and invoice.state == "draft":
            issue_form = IssueForm(formdata=None, due_on=due_by_terms(invoice))
        context.update(payment_form=payment_form, issue_form=issue_form,
                       void_form=void_form or VoidForm(formdata=None),
                       online=filing.pays_online(g.shop),
                       emails_to=recipients.who_gets_invoice(
                           invoice, payment_settings(g.shop).invoice_notifications))
    return context


def post_comment(invoice: Invoice, author, body: str, submission_key: str | None = None):
    """A comment or a reply on an issued invoice; a draft has no thread (its customer can't see
    it): 404."""
    if invoice.state == "draft":
        abort(404)
    return comments.post(invoice, author, body, submission_key)


def printed(audience, invoice: Invoice) -> dict:
    return {"payments": [p for p in invoice.payments if p.status == "succeeded"],
            "online": filing.pays_online(g.shop),
            "pay_link": portal_link("invoices.detail", invoice_id=invoice.id, shop=g.shop)}


pages.register(routes, bp, "/invoices/<int:invoice_id>", pages.Document(
    "invoice", load, page_context, "invoices/detail.html", "invoices/print.html", printed,
    post=post_comment, files=False))
