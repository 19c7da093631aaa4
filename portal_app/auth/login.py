"""The login of a request: Flask-Login's loader, run once per request by a before_request hook
(as flaskr's load_logged_in_user), puts who is logged in into plain g attributes.

A login's session id is "<kind>:<id>:<session_version>". Logging out, changing the password or
disabling access bumps or cuts what the loader accepts, so a copied cookie stops working.

- A staff member: g.shop (one query with the staff row), and g.preview_customer while an
  Administrator previews a customer's portal.
- A portal login: g.portal_contacts (the contacts the person may act through, with their
  customers and shops, one query), g.contact (the one chosen for this session), g.customer and
  g.shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from htmx_flask import make_response as htmx_response
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from portal_app.extensions import db
from portal_app.models import Contact, Customer, PortalUser, StaffUser, utcnow
from portal_app.models.portal_user import PortalLoginMixin
from portal_app.web.rendering import wants_fragment

CONSOLE_BLUEPRINTS = ("staff", "admin")  # pages under /staff: their login is the staff login
NO_LOGIN_ENDPOINTS = ("static", "probes.healthz")  # nobody's page: no session is read


def init_app(app: Flask, login_manager: LoginManager) -> None:
    # Sessions are bound to the server-side session version (see load_user), not to the
    # client's IP and user agent: no "fresh login" is ever asked for, so Flask-Login's
    # session protection would only hash both on every request and rewrite the cookie.
    login_manager.session_protection = None
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(load_logged_in_user)


def load_logged_in_user() -> None:
    """Load the request's login (Flask-Login calls load_user) before any view or guard runs."""
    if request.endpoint not in NO_LOGIN_ENDPOINTS:
        current_user._get_current_object()


@dataclass(frozen=True)
class PortalLogin(PortalLoginMixin):
    """The person logged in to the portal, as a request knows them: the login's id and the
    session version it was checked against (the row itself is loaded where it is changed)."""

    id: int
    session_version: int


def load_user(user_id: str):
    """Return the logged-in user when the session's version is still current, else None;
    put the shop (and the portal login's contacts and customer) into g."""
    try:
        kind, raw_id, raw_version = user_id.split(":")
        ident, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    if kind == "staff":
        return _load_staff(ident, version)
    if kind == "portal":
        return _load_portal_login(ident, version)
    return None


def _load_staff(ident: int, version: int) -> StaffUser | None:
    user = db.session.scalar(select(StaffUser).options(joinedload(StaffUser.shop))
                             .where(StaffUser.id == ident))
    if user is None or user.session_version != version or not user.active:
        return None
    g.shop = user.shop
    preview = session.get("preview_customer_id")
    if preview and user.is_admin:
        g.preview_customer = db.session.scalar(select(Customer).where(
            Customer.id == preview, Customer.shop_id == user.shop_id))
    return user


def _load_portal_login(ident: int, version: int) -> PortalLogin | None:
    # The contacts the login may act through, with their customers and shops, in one query;
    # none means the session's version is stale or access was removed everywhere.
    contacts = db.session.scalars(
        select(Contact).join(Contact.portal_user).join(Contact.customer).join(Contact.shop)
        .options(contains_eager(Contact.customer), contains_eager(Contact.shop))
        .where(PortalUser.id == ident, PortalUser.session_version == version,
               Contact.portal_disabled.is_(False), Contact.activated_at.is_not(None))
        .order_by(Contact.id)).all()
    # A contact whose access was cut after this session began stays out of it for good, also
    # once it is enabled again; the person's other accounts are not affected.
    since = session.get("since", 0.0)
    contacts = [contact for contact in contacts
                if contact.access_cut_at is None or contact.access_cut_at.timestamp() < since]
    if not contacts:
        return None  # disabled or removed everywhere: the live session ends here
    wanted = session.get("contact_id")
    chosen = next((contact for contact in contacts if contact.id == wanted), contacts[0])
    g.portal_contacts, g.contact = contacts, chosen
    g.customer, g.shop = chosen.customer, chosen.shop
    return PortalLogin(ident, version)


def unauthorized():
    """Send the visitor to the login of the side they tried to open (htmx: 401 + HX-Redirect,
    never a redirect that fetch() would follow into a fragment)."""
    console = request.blueprints and request.blueprints[-1] in CONSOLE_BLUEPRINTS
    target = "staff.login" if console else "auth.login"
    location = url_for(target, next=request.full_path.rstrip("?")) if request.method == "GET" \
        else url_for(target)
    if wants_fragment():
        return htmx_response(redirect(location), 401, redirect=location)
    return redirect(location)


def start_session(user: PortalUser | StaffUser, *, contact_id: int | None = None) -> None:
    """Log a user in on a fresh session (old session data, CSRF token included, is dropped)."""
    session.clear()
    login_user(user)
    # Flask-Login's identifier hash and "fresh" flag serve only session protection and fresh
    # logins, neither of which is used (see init_app): 150 bytes less in every request's cookie.
    session.pop("_id", None)
    session.pop("_fresh", None)
    session["since"] = utcnow().timestamp()
    if contact_id is not None:
        session["contact_id"] = contact_id


def end_session() -> None:
    logout_user()
    session.clear()


def is_portal_user() -> bool:
    return current_user.is_authenticated and getattr(current_user, "kind", None) == "portal"


def is_staff_user() -> bool:
    return current_user.is_authenticated and getattr(current_user, "kind", None) == "staff"


def safe_next(target: str | None, default: str, *, forbidden_prefixes: tuple[str, ...] = ()) -> str:
    """Return target when it is a path on this site (and not a forbidden area), else default."""
    if not target or len(target) > 500:
        return default
    if any(ch in target for ch in "\\\r\n\t") or not target.startswith("/"):
        return default
    if target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    if any(parts.path.startswith(prefix) for prefix in forbidden_prefixes):
        return default
    return target
