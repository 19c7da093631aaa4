"""Invoices in the staff console: list, drafts with lines, issue, void, "Mark as paid"."""

from __future__ import annotations

from flask import flash, g, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from portal_app.data import search
from portal_app.blueprints.staff import bp
from portal_app.blueprints.staff.forms import InvoiceForm, ManualPaymentForm, VoidForm
from portal_app.extensions import db
from portal_app.models import Asset, Customer, Invoice, InvoiceLine, unit_number_key
from portal_app.web.ids import id_arg
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render, see_other
from portal_app.services import invoices as invoice_service
from portal_app.services.invoices import InvoiceStateError, today
from portal_app.data.tenancy import shop_get_or_404, shop_select

STAFF_FILTERS = ("draft", "unpaid", "overdue", "processing", "paid", "void")
BLANK_LINES = 3


@bp.get("/invoices")
def invoices():
    """All of the shop's invoices, filtered by status and customer name or number."""
    wanted = request.args.get("status", "")
    wanted = wanted if wanted in STAFF_FILTERS else ""
    q = request.args.get("q", "").strip()[:100]
    customer_id = id_arg(request.args, "customer_id")
    day = today()
    query = shop_select(Invoice)
    if customer_id:
        query = query.where(Invoice.customer_id == customer_id)
    if wanted:
        query = query.where(Invoice.status_is(wanted, day))
    if q:  # the number, or the customer's name, starting with what was typed
        query = search.matching(query, Invoice.id, [
            search.Branch(Invoice.number_key, number_prefix="INV-"),
            search.Branch(Invoice.customer_id, among=select(Customer.id).where(
                Customer.shop_id == g.shop.id, search.starts_with(Customer.name_key, q)))], q)
    page = paginate(query.options(joinedload(Invoice.customer))
                    .order_by(*invoice_service.list_order(wanted, Invoice.id.desc())), 25)
    return render("staff/invoices/index.html", "results", page=page, wanted=wanted, q=q,
                  customer_id=customer_id, today=day, filters=STAFF_FILTERS)


def _customer_choices() -> list[SelectChoice]:
    return [SelectChoice(str(c.id), c.name) for c in db.session.execute(
        select(Customer.id, Customer.name).where(Customer.shop_id == g.shop.id)
        .order_by(Customer.name))]


def _named_asset(form: InvoiceForm) -> Asset | None | bool:
    """The customer's unit named in the form (None when left empty); False, with the error
    next to the field, when the customer has no such unit."""
    if not form.unit_number.data:
        return None
    asset = db.session.scalar(select(Asset).where(
        Asset.shop_id == g.shop.id, Asset.customer_id == form.customer_id.data,
        Asset.unit_number_key == unit_number_key(form.unit_number.data)))
    if asset is None:
        form.unit_number.errors.append(
            f"This customer has no unit numbered “{form.unit_number.data}”. Check the number "
            "or add the asset first.")
        return False
    return asset


def _lines(form: InvoiceForm) -> list[InvoiceLine]:
    """The form's filled-in rows as invoice lines (blank rows are ignored)."""
    return [InvoiceLine(position=i, description=entry.form.description.data,
                        quantity=entry.form.quantity.data or 1,
                        unit_price_cents=entry.form.unit_price.cents)
            for i, entry in enumerate(e for e in form.lines if not e.form.is_blank)]


def _edit_draft(invoice: Invoice | None):
    """New and edit share one form: lines are rows, "More lines" adds blank ones (JS off too)."""
    form = InvoiceForm(obj=invoice)
    form.customer_id.choices = _customer_choices()
    if request.method == "GET":
        if invoice is None:
            form.number.data = invoice_service.next_number(g.shop)
            form.customer_id.data = id_arg(request.args, "customer_id")
            form.unit_number.data = request.args.get("unit_number", "")[:40]
            form.issued_on.data = today()
        else:
            form.unit_number.data = invoice.asset.unit_number if invoice.asset else ""
            while len(form.lines) < len(invoice.lines) + BLANK_LINES:
                form.lines.append_entry()
            for entry, line in zip(form.lines, invoice.lines):
                entry.form.description.data = line.description
                entry.form.quantity.data = line.quantity
                entry.form.unit_price.data = f"{line.unit_price_cents / 100:.2f}"
    elif request.form.get("action") == "more_lines":
        for _ in range(BLANK_LINES):
            form.lines.append_entry()
    elif form.validate_on_submit():
        if not any(not e.form.is_blank for e in form.lines):
            form.form_errors.append("Add at least one line.")
        elif (asset := _named_asset(form)) is not False:
            target = invoice or Invoice(shop_id=g.shop.id, state="draft")
            target.customer_id = shop_get_or_404(Customer, form.customer_id.data).id
            target.asset_id = asset.id if asset else None
            target.number = form.number.data
            target.issued_on, target.due_on = form.issued_on.data, form.due_on.data
            target.memo = form.memo.data or None
            try:
                invoice_service.save_draft(target, _lines(form))
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                form.number.errors.append("Another invoice already has this number.")
            else:
                flash(f"Draft {target.number} saved. Issue it when it is ready.", "success")
                return see_other(url_for("staff.invoice", invoice_id=target.id))
    status = 422 if request.method == "POST" and request.form.get("action") != "more_lines" \
        else 200
    return render("staff/invoices/form.html", form=form, invoice=invoice, status=status)


@bp.route("/invoices/new", methods=["GET", "POST"])
def new_invoice():
    return _edit_draft(None)


@bp.route("/invoices/<int:invoice_id>/edit", methods=["GET", "POST"])
def edit_invoice(invoice_id: int):
    invoice = shop_get_or_404(Invoice, invoice_id, selectinload(Invoice.lines))
    if invoice.state != "draft":
        flash("Only drafts can be edited. Void the invoice and issue a new one instead.", "error")
        return see_other(url_for("staff.invoice", invoice_id=invoice.id))
    return _edit_draft(invoice)


def _detail(invoice: Invoice, *, payment_form=None, void_form=None, status: int = 200):
    return render("staff/invoices/detail.html", invoice=invoice, today=today(),
                  payment_form=payment_form or _payment_form(invoice),
                  void_form=void_form or VoidForm(formdata=None), status=status)


def _payment_form(invoice: Invoice) -> ManualPaymentForm:
    form = ManualPaymentForm(formdata=None)
    form.amount.data = f"{invoice.amount_due_cents / 100:.2f}"
    form.paid_on.data = today()
    return form


def _load(invoice_id: int) -> Invoice:
    return shop_get_or_404(Invoice, invoice_id, joinedload(Invoice.customer),
                           selectinload(Invoice.lines), selectinload(Invoice.payments))


@bp.get("/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    """One invoice with its lines, payments and the actions its state allows."""
    return _detail(_load(invoice_id))


@bp.post("/invoices/<int:invoice_id>/issue")
def issue_invoice(invoice_id: int):
    found = _load(invoice_id)
    try:
        sent = invoice_service.issue(found)
    except InvoiceStateError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(f"Invoice {found.number} issued." + (
            f" Emailed to {sent} billing contact{'s' if sent != 1 else ''}." if sent else
            " No email was sent (no billing contact, or invoice emails are off)."), "success")
    return see_other(url_for("staff.invoice", invoice_id=found.id))


@bp.post("/invoices/<int:invoice_id>/void")
def void_invoice(invoice_id: int):
    found = _load(invoice_id)
    form = VoidForm()
    if not form.validate_on_submit():
        return _detail(found, void_form=form, status=422)
    try:
        invoice_service.void(found, form.reason.data)
    except InvoiceStateError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(f"Invoice {found.number} is void.", "success")
    return see_other(url_for("staff.invoice", invoice_id=found.id))


@bp.post("/invoices/<int:invoice_id>/payments")
def record_payment(invoice_id: int):
    """"Mark as paid": record money received outside the portal (partial amounts allowed)."""
    found = _load(invoice_id)
    form = ManualPaymentForm()
    if form.validate_on_submit():
        try:
            invoice_service.record_manual_payment(
                found, amount_cents=form.amount.cents, method=form.method.data,
                reference=form.reference.data, paid_on=form.paid_on.data,
                staff_id=current_user.id)
        except InvoiceStateError as problem:
            db.session.rollback()
            form.amount.errors.append(str(problem))
        else:
            db.session.commit()
            db.session.refresh(found)
            flash(f"Payment of {invoice_service.money(form.amount.cents)} recorded. "
                  + ("The invoice is paid." if found.amount_due_cents == 0 else
                     f"Still due: {invoice_service.money(found.amount_due_cents)}."), "success")
            return see_other(url_for("staff.invoice", invoice_id=found.id))
    return _detail(found, payment_form=form, status=422)
