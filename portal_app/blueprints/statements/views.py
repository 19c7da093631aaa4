"""The statement of account, written once for both audiences: the page (/statement in the
portal, /staff/customers/<id>/statement in the console), its PDF and CSV, and the console's
Email statement."""

from __future__ import annotations

from flask import flash, g, request

from portal_app.blueprints.statements import bp, console
from portal_app.blueprints.statements.forms import (EmailStatementForm, StatementRange,
                                                    as_of_values)
from portal_app.clock import today
from portal_app.extensions import db
from portal_app.mail.emails import portal_link, queue_statement
from portal_app.services import notifications, statements
from portal_app.web.audience import CONSOLE, Pages
from portal_app.web.csv_out import csv_response
from portal_app.web.pdf import pdf_response
from portal_app.web.rendering import render, see_other

routes = Pages(portal=bp, console=console)
CUSTOMER_STATEMENT = "/customers/<int:customer_id>/statement"


def _statement(audience, customer_id: int | None, form=None):
    """The customer this audience may see (another's: 404) and its statement for the range
    asked for (bad dates fall back, their messages on the form)."""
    customer = audience.customer(customer_id)
    form = form or StatementRange(request.args, today=today())
    start, end = form.period()
    return form, statements.statement(g.shop, customer, start, end)


def _file_name(found: statements.Statement, extension: str) -> str:
    customer = found.customer
    return f"statement-{customer.account_number or customer.id}-{found.end.isoformat()}" \
           f".{extension}"


@routes.route("/statement", console=CUSTOMER_STATEMENT)
def statement(audience, customer_id: int | None = None):
    """The statement of account: open invoices by age, payments in the period, the balance."""
    form, found = _statement(audience, customer_id)
    context = {}
    if audience.may("send"):
        context.update(
            email_form=EmailStatementForm(formdata=None, today=today(), start=found.start,
                                          end=found.end),
            billing_contacts=notifications.recipients(g.shop.id, found.customer.id, "invoices",
                                                      billing_only=True))
    return render("statements/statement.html", audience=audience, form=form, statement=found,
                  customer=found.customer, period=as_of_values(found.start, found.end),
                  **context)


@routes.route("/statement/pdf", console=CUSTOMER_STATEMENT + "/pdf")
def pdf(audience, customer_id: int | None = None):
    """The statement as a PDF (its print template)."""
    _, found = _statement(audience, customer_id)
    back = audience.url("statements.statement", customer_id=found.customer.id,
                        **as_of_values(found.start, found.end))
    return pdf_response("statements/print.html", _file_name(found, "pdf"), shop=g.shop,
                        statement=found, customer=found.customer, back=back)


@routes.route("/statement/csv", console=CUSTOMER_STATEMENT + "/csv")
def csv(audience, customer_id: int | None = None):
    """The statement as CSV: open invoices with their bucket, the totals, then the payments."""
    _, found = _statement(audience, customer_id)
    return csv_response(_file_name(found, "csv"), statements.CSV_HEADER,
                        statements.csv_rows(found))


@console.post(CUSTOMER_STATEMENT + "/email")
def email(customer_id: int):
    """Email statement: queue the statement for the range on screen to the customer's billing
    contacts who want invoice emails, each with a link to it in the portal and its PDF."""
    form, found = _statement(CONSOLE, customer_id, EmailStatementForm(today=today()))
    back = CONSOLE.url("statements.statement", customer_id=found.customer.id,
                       **as_of_values(found.start, found.end))
    contacts = notifications.recipients(g.shop.id, found.customer.id, "invoices",
                                        billing_only=True)
    if not contacts:
        flash("Nobody received it: this customer has no billing contact with an active portal "
              "login who wants invoice emails.", "error")
    elif statements.recently_emailed(g.shop, contacts):
        flash(f"A statement went to {notifications.names(contacts)} moments ago: "
              "not sent again.", "info")
    else:
        values = {**as_of_values(found.start, found.end), "shop": g.shop}
        queue_statement(found, contacts, link=portal_link("statements.statement", **values),
                        pdf_link=portal_link("statements.pdf", **values))
        db.session.commit()
        count = len(contacts)
        flash(f"Statement emailed to {count} billing contact{'' if count == 1 else 's'}: "
              f"{notifications.names(contacts)}.", "success")
    return see_other(back)
