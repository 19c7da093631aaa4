"""Who gets a customer's document emails: the customer's contacts who can act on them (a portal
login, access not disabled) and want that kind of email (the choices of their account page).
Password resets, invitations and password-change notices are not chosen: they always go.

Every customer-facing document email picks its recipients here (recipients()), and the
console's document pages say with the same function who gets them (or that nobody can)."""

from __future__ import annotations

from sqlalchemy import select, update

from portal_app.extensions import db
from portal_app.models import Contact, PortalUser

# The kinds a person chooses, by the PortalUser column that holds the choice, in the order the
# account page lists them, with what staff read about a document nobody gets.
CHOICES = {
    "invoices": PortalUser.notify_invoices,
    "estimates": PortalUser.notify_estimates,
    "replies": PortalUser.notify_replies,
    "requests": PortalUser.notify_requests,
}
# What each kind is called where staff read who gets it ("... want emails about <noun>").
NOUNS = {"invoices": "invoices", "estimates": "estimates and additional work",
         "replies": "replies from the shop", "requests": "request updates"}


def recipients(shop_id: int, customer_id: int, choice: str, *, billing_only: bool = False,
               contact_ids: list[int] | None = None) -> list[Contact]:
    """The customer's contacts who get an email of this kind: with an active portal login,
    not disabled, wanting `choice` ("invoices", "estimates", "replies" or "requests");
    `billing_only`: only billing contacts; `contact_ids`: only these contacts (the one who
    made a request or a payment). In one query, by contact id."""
    query = (select(Contact).join(PortalUser, PortalUser.id == Contact.portal_user_id)
             .where(Contact.shop_id == shop_id, Contact.customer_id == customer_id,
                    Contact.portal_disabled.is_(False), Contact.activated_at.is_not(None),
                    CHOICES[choice].is_(True))
             .order_by(Contact.id))
    if billing_only:
        query = query.where(Contact.is_billing.is_(True))
    if contact_ids is not None:
        query = query.where(Contact.id.in_(contact_ids))
    return db.session.scalars(query).all()


def names(contacts: list[Contact]) -> str:
    """"Dana Ortiz", "Dana Ortiz and Lee Park", "Ann, Ben and Cy": whom an email went to."""
    listed = [contact.name for contact in contacts]
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def choices(user: PortalUser) -> dict[str, bool]:
    """The person's choices by kind."""
    return {kind: getattr(user, column.key) for kind, column in CHOICES.items()}


def choose(user: PortalUser, wanted: dict[str, bool]) -> None:
    """Save which kinds of email the person wants (a kind left out keeps its choice)."""
    values = {column: bool(wanted[kind]) for kind, column in CHOICES.items() if kind in wanted}
    if values:
        db.session.execute(update(PortalUser).where(PortalUser.id == user.id).values(values))
