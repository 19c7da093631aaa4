"""Customers, their contacts (portal access) and their locations, in the staff console."""

from __future__ import annotations

from flask import current_app, flash, g, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal_app.data import search
from portal_app.blueprints.staff import bp
from portal_app.blueprints.assets.forms import LocationForm
from portal_app.blueprints.staff.forms import (
    ContactForm,
    CustomerForm,
    CustomerSearchForm,
    NewContactForm,
)
from portal_app.extensions import db, limiter
from portal_app.models import Contact, Customer, Location, OutboundEmail
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render, see_other, wants_fragment
from portal_app.services import accounts
from portal_app.data.tenancy import shop_get_or_404, shop_select


def _invite_limit() -> str:
    return current_app.config.get("INVITE_RATE_LIMIT", "5 per hour; 20 per day")


def _contact_key() -> str:
    return f"contact:{request.view_args.get('contact_id')}"


@bp.get("/customers")
def customers():
    """Search and page through the shop's customers."""
    form = CustomerSearchForm(request.args)
    q = form.q.data if form.validate() and form.q.data else ""
    if q:  # name, account number, or a contact's email or name starting with what was typed
        query = search.matching(shop_select(Customer), Customer.id, [
            search.Branch(Customer.name_key), search.Branch(Customer.account_number_key),
            search.Branch(Customer.id, among=select(Contact.customer_id).where(
                Contact.shop_id == g.shop.id, or_(search.starts_with(Contact.email, q),
                                                  search.starts_with(Contact.name_key, q))))],
            q)
        page = paginate(query.order_by(Customer.name, Customer.id), 20)
    else:
        page = paginate(shop_select(Customer).order_by(Customer.name, Customer.id), 20)
    return render("staff/customers.html", "results", form=form, page=page, q=q)


def _fill_customer(customer: Customer, form: CustomerForm) -> None:
    """Copy the form's fields onto the customer: its name, account number, where its invoices
    go and its tax exemption (documents sent from now on charge no tax and print the
    certificate)."""
    customer.name = form.name.data
    customer.account_number = form.account_number.data or None
    customer.billing_address = form.billing_address.data or ""
    customer.tax_exempt = form.tax_exempt.data
    customer.tax_exempt_number = form.tax_exempt_number.data or ""


@bp.route("/customers/new", methods=["GET", "POST"])
def new_customer():
    """Create a customer account."""
    form = CustomerForm()
    if form.validate_on_submit():
        customer = Customer(shop_id=g.shop.id)
        _fill_customer(customer, form)
        db.session.add(customer)
        db.session.commit()
        flash(f"Customer “{customer.name}” created. Add its contacts and locations.", "success")
        return see_other(url_for("staff.customer", customer_id=customer.id))
    return render("staff/customer_form.html", form=form, customer=None,
                  status=422 if request.method == "POST" else 200)


def _contacts_panel_context(customer: Customer) -> dict:
    contacts = db.session.scalars(
        select(Contact).options(joinedload(Contact.portal_user))
        .where(Contact.customer_id == customer.id).order_by(Contact.name, Contact.id)
    ).all()
    invitations: dict[int, OutboundEmail] = {}
    if contacts:
        for message in db.session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.contact_id.in_([c.id for c in contacts]),
                   OutboundEmail.kind == "invitation")
            .order_by(OutboundEmail.id.desc())
        ):
            invitations.setdefault(message.contact_id, message)
    return {"customer": customer, "contacts": contacts, "invitations": invitations}


@bp.get("/customers/<int:customer_id>")
def customer(customer_id: int):
    """Show a customer with its contacts' portal access and its locations."""
    found = shop_get_or_404(Customer, customer_id, selectinload(Customer.locations))
    return render("staff/customer.html", **_contacts_panel_context(found))


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
def edit_customer(customer_id: int):
    """Rename a customer or change its account number, billing address or tax exemption."""
    found = shop_get_or_404(Customer, customer_id)
    form = CustomerForm(obj=found)
    if form.validate_on_submit():
        _fill_customer(found, form)
        db.session.commit()
        flash("Customer saved.", "success")
        return see_other(url_for("staff.customer", customer_id=found.id))
    return render("staff/customer_form.html", form=form, customer=found,
                  status=422 if request.method == "POST" else 200)


@bp.route("/customers/<int:customer_id>/contacts/new", methods=["GET", "POST"])
def new_contact(customer_id: int):
    """Add a contact to a customer and, by default, invite them to the portal."""
    found = shop_get_or_404(Customer, customer_id)
    form = NewContactForm()
    if form.validate_on_submit():
        if accounts.email_taken(found.id, form.email.data):
            form.email.errors.append("This customer already has a contact with that email.")
        else:
            contact = Contact(shop_id=g.shop.id, customer=found, name=form.name.data,
                              email=accounts.normalize_email(form.email.data),
                              phone=form.phone.data or None, is_billing=form.is_billing.data)
            db.session.add(contact)
            db.session.flush()
            if form.send_invitation.data:
                accounts.invite_contact(contact)
            db.session.commit()
            flash(f"{contact.name} added." + (" Invitation sent." if form.send_invitation.data
                                              else ""), "success")
            return see_other(url_for("staff.customer", customer_id=found.id))
    return render("staff/contact_form.html", form=form, customer=found,
                  contact=None, status=422 if request.method == "POST" else 200)


@bp.get("/contacts/<int:contact_id>")
def contact(contact_id: int):
    """A contact's portal access and the history of every email sent to them (FAQ 3)."""
    found = shop_get_or_404(Contact, contact_id, joinedload(Contact.customer),
                            joinedload(Contact.portal_user))
    emails = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.shop_id == g.shop.id,
                                    OutboundEmail.contact_id == found.id)
        .order_by(OutboundEmail.id.desc()).limit(100)).all()
    return render("staff/contact.html", contact=found, customer=found.customer, emails=emails)


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
def edit_contact(contact_id: int):
    """Edit a contact; a new email cancels old links and invites the new address."""
    contact = shop_get_or_404(Contact, contact_id, joinedload(Contact.customer))
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        if accounts.email_taken(contact.customer_id, form.email.data,
                                except_contact_id=contact.id):
            form.email.errors.append("This customer already has a contact with that email.")
        else:
            contact.name = form.name.data
            contact.phone = form.phone.data or None
            contact.is_billing = form.is_billing.data
            reinvited = accounts.change_contact_email(contact, form.email.data)
            db.session.commit()
            flash("Contact saved." + (f" Old links were cancelled and a new invitation went to "
                                      f"{contact.email}." if reinvited else ""), "success")
            return see_other(url_for("staff.customer", customer_id=contact.customer_id))
    return render("staff/contact_form.html", form=form, contact=contact,
                  customer=contact.customer, status=422 if request.method == "POST" else 200)


def _after_contact_action(contact: Contact, message: str, category: str = "success"):
    """Answer a contact button: the refreshed contacts panel for htmx, else back to the page."""
    flash(message, category)
    if wants_fragment():
        customer = db.session.get(Customer, contact.customer_id)
        return render("staff/customer.html", "contacts_panel",
                      **_contacts_panel_context(customer))
    return see_other(url_for("staff.customer", customer_id=contact.customer_id))


@bp.post("/contacts/<int:contact_id>/invite")
@limiter.limit(lambda: "60 per hour")
@limiter.shared_limit(_invite_limit, scope="contact-invitation", key_func=_contact_key)
def invite_contact(contact_id: int):
    """Send or re-send the portal invitation."""
    contact = shop_get_or_404(Contact, contact_id)
    if contact.portal_state == "active":
        return _after_contact_action(contact, f"{contact.name} already uses the portal. "
                                     "Send a password reset if they can't log in.", "info")
    if contact.portal_disabled:
        return _after_contact_action(contact, "Portal access is disabled for this contact. "
                                     "Enable it first.", "info")
    again = contact.invited_at is not None
    accounts.invite_contact(contact)
    db.session.commit()
    return _after_contact_action(contact, f"Invitation {'re-sent' if again else 'sent'} to "
                                 f"{contact.email}. Older invitation links no longer work.")


@bp.post("/contacts/<int:contact_id>/password-reset")
@limiter.limit(lambda: "60 per hour")
@limiter.shared_limit(_invite_limit, scope="contact-invitation", key_func=_contact_key)
def reset_contact_password(contact_id: int):
    """Email the contact a password reset link (an invitation if they never set one)."""
    contact = shop_get_or_404(Contact, contact_id, joinedload(Contact.portal_user))
    if contact.portal_disabled:
        return _after_contact_action(contact, "Portal access is disabled for this contact.",
                                     "info")
    sent = accounts.send_password_reset_for_contact(contact)
    db.session.commit()
    if sent == "reset":
        return _after_contact_action(contact, f"Password reset email sent to {contact.email}. "
                                     "The link works for one hour.")
    return _after_contact_action(contact, f"{contact.name} has not set a password yet, so a new "
                                 "invitation was sent instead.")


@bp.post("/contacts/<int:contact_id>/disable")
def disable_contact(contact_id: int):
    """Turn portal access off for a contact; their live sessions end at once."""
    contact = shop_get_or_404(Contact, contact_id)
    accounts.disable_contact(contact)
    db.session.commit()
    return _after_contact_action(contact, f"Portal access disabled for {contact.name}.")


@bp.post("/contacts/<int:contact_id>/enable")
def enable_contact(contact_id: int):
    """Turn portal access back on for a contact."""
    contact = shop_get_or_404(Contact, contact_id)
    contact.portal_disabled = False
    db.session.commit()
    return _after_contact_action(contact, f"Portal access enabled for {contact.name}.")


@bp.post("/contacts/<int:contact_id>/remove")
def remove_contact(contact_id: int):
    """Remove a contact from the customer; their portal access to it ends."""
    contact = shop_get_or_404(Contact, contact_id)
    name, customer_id = contact.name, contact.customer_id
    accounts.remove_contact(contact)
    db.session.commit()
    flash(f"{name} removed.", "success")
    if wants_fragment():
        customer = db.session.get(Customer, customer_id)
        return render("staff/customer.html", "contacts_panel",
                      **_contacts_panel_context(customer))
    return see_other(url_for("staff.customer", customer_id=customer_id))


@bp.route("/customers/<int:customer_id>/locations/new", methods=["GET", "POST"])
def new_location(customer_id: int):
    """Add a site to a customer."""
    found = shop_get_or_404(Customer, customer_id)
    form = LocationForm()
    if form.validate_on_submit():
        db.session.add(Location(shop_id=g.shop.id, customer=found, name=form.name.data,
                                address=form.address.data or ""))
        db.session.commit()
        flash(f"Location “{form.name.data}” added.", "success")
        return see_other(url_for("staff.customer", customer_id=found.id))
    return render("staff/location_form.html", form=form, customer=found,
                  location=None, status=422 if request.method == "POST" else 200)


@bp.route("/locations/<int:location_id>/edit", methods=["GET", "POST"])
def edit_location(location_id: int):
    """Rename a location or change its address."""
    location = shop_get_or_404(Location, location_id, joinedload(Location.customer))
    form = LocationForm(obj=location)
    if form.validate_on_submit():
        location.name = form.name.data
        location.address = form.address.data or ""
        db.session.commit()
        flash("Location saved.", "success")
        return see_other(url_for("staff.customer", customer_id=location.customer_id))
    return render("staff/location_form.html", form=form, location=location,
                  customer=location.customer, status=422 if request.method == "POST" else 200)
