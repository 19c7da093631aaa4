"""What only staff do with invoices: write and edit a draft with lines ("More lines" works with
JavaScript off), issue it, void it, and "Mark as paid" (money received outside the portal)."""

from __future__ import annotations

from flask import flash, g, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal_app.blueprints.documents import editing, recipients
from portal_app.blueprints.documents.forms import default_taxable, fill_lines, posted_lines
from portal_app.blueprints.invoices import console
from portal_app.blueprints.invoices.forms import (InvoiceForm, IssueForm, ManualPaymentForm,
                                                  VoidForm)
from portal_app.blueprints.invoices.views import load, page_context
from portal_app.clock import today
from portal_app.data.tenancy import shop_get_or_404
from portal_app.extensions import db
from portal_app.models import Customer, Invoice, InvoiceLine
from portal_app.services import drafts, payments
from portal_app.services import invoices as service
from portal_app.services import pricing
from portal_app.services.invoices import InvoiceStateError, money
from portal_app.web.audience import CONSOLE
from portal_app.web.ids import id_arg
from portal_app.web.rendering import render, see_other

INVOICE = "/invoices/<int:invoice_id>"


def _page(invoice_id: int) -> str:
    return CONSOLE.url("invoices.detail", invoice_id=invoice_id)


def _lines(form: InvoiceForm) -> list[InvoiceLine]:
    """The form's filled-in rows as invoice lines (blank rows are ignored)."""
    return [InvoiceLine(position=i, **pricing.line_fields(line))
            for i, line in enumerate(posted_lines(form))]


def _save(form: InvoiceForm, invoice: Invoice | None) -> str | None:
    """Validate and save the draft; return its page, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    if not any(not e.form.is_blank for e in form.lines):
        form.form_errors.append("Add at least one line.")
        return None
    asset = editing.named_asset(form, form.customer_id.data)
    if asset is False:
        return None
    target = invoice or Invoice(shop_id=g.shop.id, state="draft")
    target.customer_id = shop_get_or_404(Customer, form.customer_id.data).id
    target.asset_id = asset.id if asset else None
    target.number = form.number.data
    target.issued_on, target.due_on = form.issued_on.data, form.due_on.data
    target.memo = form.memo.data or None
    try:
        service.save_draft(target, _lines(form))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.number.errors.append("Another invoice already has this number.")
        return None
    flash(f"Draft {target.number} saved. Issue it when it is ready.", "success")
    return _page(target.id)


def _edit(invoice: Invoice | None):
    """New and edit share one form: lines are rows, "More lines" adds blank ones (JS off too)."""
    form = InvoiceForm(obj=invoice)
    form.customer_id.choices = editing.customer_choices()

    def prefill() -> None:
        if invoice is not None:
            form.unit_number.data = invoice.asset.unit_number if invoice.asset else ""
            fill_lines(form, invoice.lines)
            return
        form.number.data = service.next_number(g.shop)
        form.customer_id.data = id_arg(request.args, "customer_id")
        form.unit_number.data = request.args.get("unit_number", "")[:40]
        form.issued_on.data = today()

    return editing.lines_form_page(form, "invoices/form.html", lambda: _save(form, invoice),
                                   prefill, invoice=invoice)


@console.route("/invoices/new", methods=["GET", "POST"])
def new():
    """Write a new invoice draft."""
    return _edit(None)


@console.route(INVOICE + "/edit", methods=["GET", "POST"])
def edit(invoice_id: int):
    """Change a draft (an issued invoice is voided and issued again instead)."""
    invoice = load(CONSOLE, invoice_id)
    if invoice.state != "draft":
        flash("Only drafts can be edited. Void the invoice and issue a new one instead.", "error")
        return see_other(_page(invoice.id))
    return _edit(invoice)


@console.post(INVOICE + "/issue")
def issue(invoice_id: int):
    """Issue a draft with its due date: the customer sees it, and its billing contacts are
    emailed."""
    invoice = load(CONSOLE, invoice_id)
    form = IssueForm()
    issued_on = invoice.issued_on or today()
    if form.validate_on_submit() and form.due_on.data and form.due_on.data < issued_on and \
            invoice.state == "draft":
        form.due_on.errors.append(f"The due date can't be before the issue date "
                                  f"({issued_on:%-d %b %Y}).")
    if form.errors:
        return render("invoices/detail.html", status=422,
                      **page_context(CONSOLE, invoice, issue_form=form))

    def issued() -> str:
        told = service.issue(invoice, form.due_on.data)
        issued = Markup("Invoice {} issued, due {}. ").format(invoice.number,
                                                            f"{invoice.due_on:%-d %b %Y}")
        if told is None:
            return issued + "No email was sent: invoice emails are off in Settings."
        return issued + recipients.emailed(told, invoice.customer, "invoices",
                                           billing_only=True)

    return editing.act(issued, InvoiceStateError, _page(invoice_id))


@console.post(INVOICE + "/void")
def void(invoice_id: int):
    """Void an invoice without payments (the reason is shown to the customer)."""
    invoice = load(CONSOLE, invoice_id)
    form = VoidForm()
    if not form.validate_on_submit():
        return render("invoices/detail.html", status=422,
                      **page_context(CONSOLE, invoice, void_form=form))

    def voided() -> str:
        service.void(invoice, form.reason.data)
        return f"Invoice {invoice.number} is void."

    return editing.act(voided, InvoiceStateError, _page(invoice_id))


@console.post(INVOICE + "/payments")
def record_payment(invoice_id: int):
    """"Mark as paid": record money received outside the portal (partial amounts allowed)."""
    invoice = load(CONSOLE, invoice_id)
    form = ManualPaymentForm()
    if form.validate_on_submit():
        try:
            payment = service.record_manual_payment(
                invoice, amount_cents=form.amount.cents, method=form.method.data,
                reference=form.reference.data, paid_on=form.paid_on.data,
                staff_id=current_user.id)
            told = payments.send_receipt(payment)  # its receipt, to the billing contacts
        except InvoiceStateError as problem:
            db.session.rollback()
            form.amount.errors.append(str(problem))
        else:
            db.session.commit()
            db.session.refresh(invoice)
            flash(Markup("Payment of {} recorded. {} Receipt {}: {}").format(
                money(form.amount.cents),
                "The invoice is paid." if invoice.amount_due_cents == 0 else
                f"Still due: {money(invoice.amount_due_cents)}.",
                payments.receipt_number(payment),
                recipients.emailed(told, invoice.customer, "invoices", billing_only=True)),
                "success")
            return see_other(_page(invoice.id))
    return render("invoices/detail.html", status=422,
                  **page_context(CONSOLE, invoice, payment_form=form))


@console.post(INVOICE + "/delete")
def delete_draft(invoice_id: int):
    """Delete a draft with its lines (the customer never saw it); an issued invoice stays."""
    return editing.delete_draft(Invoice, invoice_id, "invoice", drafts.delete_invoice,
                                (joinedload(Invoice.customer), joinedload(Invoice.lines)))
