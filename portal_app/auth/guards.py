"""Guards a blueprint puts in front of its pages: a portal login (or an Administrator's
read-only preview of a customer's portal), a staff login, an Administrator."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort, g, request
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from portal_app.auth.login import is_portal_user, is_staff_user, unauthorized


class PreviewIsReadOnly(Forbidden):
    title = "Nothing can be changed in a preview"
    description = ("This is a preview of the customer's portal, as their contacts see it. "
                   "End the preview to go back to the console.")


@dataclass(frozen=True)
class PreviewContact:
    """Stands in for g.contact while an Administrator previews a customer's portal: it is no
    row (id None), so nothing the portal would look up for a person matches it."""

    shop_id: int
    customer_id: int
    id: None = None
    name: str = "Preview"
    email: str = ""


def previewing() -> bool:
    """An Administrator is looking at a customer's portal, read-only (Preview as customer)."""
    return is_staff_user() and g.get("preview_customer") is not None


def refuse_writes_in_preview():
    """before_request guard of the portal's sign-in pages: while an Administrator previews a
    customer, logging out, in or anything else that writes there is refused like every other
    portal action (the console, in another tab, is not affected)."""
    if previewing() and request.method not in ("GET", "HEAD"):
        raise PreviewIsReadOnly()


def require_portal_login():
    """before_request guard for portal blueprints: a customer contact must be logged in, or an
    Administrator previewing a customer (then every action is refused)."""
    if is_portal_user():
        return None
    if previewing():
        if request.method not in ("GET", "HEAD"):
            raise PreviewIsReadOnly()
        customer = g.preview_customer
        g.customer, g.portal_contacts = customer, []
        g.contact = PreviewContact(shop_id=customer.shop_id, customer_id=customer.id)
        return None
    return unauthorized()


def require_staff_login():
    """before_request guard for the staff console."""
    if not is_staff_user():
        return unauthorized()
    return None


def admin_required(view):
    """Allow only Administrators of the current shop (Staff get 403)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not (is_staff_user() and current_user.is_admin):
            abort(403)
        return view(*args, **kwargs)

    return wrapped
