"""Who is logged in: Flask-Login's loader, server-side session versions and the active account.

A login's session id is "<kind>:<id>:<session_version>". Logging out, changing the password or
disabling access bumps or cuts what the loader accepts, so a copied cookie stops working.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for
from flask.ctx import _AppCtxGlobals, _sentinel
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.exceptions import Forbidden
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal_app.extensions import db
from portal_app.models import Contact, Customer, PortalUser, Shop, StaffUser, utcnow
from portal_app.models.portal_user import PortalLoginMixin


CONSOLE_BLUEPRINTS = ("staff", "admin")  # pages under /staff: their login is the staff login


def configure(login_manager: LoginManager) -> None:
    # Sessions are bound to the server-side session version (see load_user), not to the
    # client's IP and user agent: no "fresh login" is ever asked for, so Flask-Login's
    # session protection would only hash both on every request and rewrite the cookie.
    login_manager.session_protection = None
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_unauthorized)


# Built once: every request of a logged-in person runs one of these (statements built per
# request cost more in SQLAlchemy's coercions and cache keys than the queries themselves).
_STAFF = (select(StaffUser).options(joinedload(StaffUser.shop))
          .where(StaffUser.id == bindparam("ident")))
_PREVIEWED = select(Customer).where(Customer.id == bindparam("customer"),
                                    Customer.shop_id == bindparam("shop"))
# A portal login is checked with plain columns; its contacts, their customers and shops are
# loaded as rows only when the request uses them (LoginGlobals): a page served from the page
# cache never does.
_LOGIN = (select(Contact.id, Contact.access_cut_at)
          .join(PortalUser, PortalUser.id == Contact.portal_user_id)
          .where(PortalUser.id == bindparam("ident"),
                 PortalUser.session_version == bindparam("version"),
                 Contact.portal_disabled.is_(False), Contact.activated_at.is_not(None))
          .order_by(Contact.id))
_CONTACTS = (select(Contact).options(joinedload(Contact.customer), joinedload(Contact.shop))
             .where(Contact.id.in_(bindparam("ids", expanding=True))).order_by(Contact.id))
_LOGIN_NAMES = frozenset({"contact", "customer", "shop", "portal_contacts"})


class LoginGlobals(_AppCtxGlobals):
    """flask.g, where g.contact, g.customer, g.shop and g.portal_contacts of a portal login are
    loaded (one query) the first time anything reads one of them."""

    def __getattr__(self, name):
        if name in _LOGIN_NAMES and self._load_login():
            return self.__dict__[name]
        raise AttributeError(name)

    def get(self, name, default=None):
        if name in _LOGIN_NAMES and name not in self.__dict__:
            self._load_login()
        return self.__dict__.get(name, default)

    def pop(self, name, default=_sentinel):
        if name in _LOGIN_NAMES and name not in self.__dict__:
            self._load_login()
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def __contains__(self, name) -> bool:
        if name in _LOGIN_NAMES and name not in self.__dict__:
            self._load_login()
        return name in self.__dict__

    def _load_login(self) -> bool:
        pending = self.__dict__.pop("_login_pending", None)
        if pending is None:
            return False
        ids, chosen_id = pending
        contacts = db.session.scalars(_CONTACTS, {"ids": ids}).all()
        if not contacts:  # removed since the login was checked, a moment ago
            abort(_unauthorized())
        chosen = next((c for c in contacts if c.id == chosen_id), contacts[0])
        for name, value in (("portal_contacts", contacts), ("contact", chosen),
                            ("customer", chosen.customer), ("shop", chosen.shop)):
            self.__dict__.setdefault(name, value)
        return True


@dataclass(frozen=True)
class PortalLogin(PortalLoginMixin):
    """The person logged in to the portal, as a request knows them: the login's id and the
    session version it was checked against (the row itself is loaded where it is changed)."""

    id: int
    session_version: int


def load_user(user_id: str):
    """Return the logged-in user when the session's version is still current, else None."""
    try:
        kind, raw_id, raw_version = user_id.split(":")
        ident, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    if kind == "staff":
        row = db.session.execute(_STAFF, {"ident": ident}).first()
        user = row[0] if row is not None else None
        if user is None or user.session_version != version or not user.active:
            return None
        g.shop = user.shop
        preview = session.get("preview_customer_id")
        if preview and user.is_admin:
            g.preview_customer = db.session.scalar(_PREVIEWED, {"customer": preview,
                                                                "shop": user.shop_id})
        return user
    if kind == "portal":
        # The login and the ids of the contacts it may act through, in one query; none means
        # the session's version is stale or access was removed everywhere.
        rows = db.session.execute(_LOGIN, {"ident": ident, "version": version}).all()
        # A contact whose access was cut after this session began stays out of it for good,
        # also once it is enabled again; the person's other accounts are not affected.
        since = session.get("since", 0.0)
        ids = [contact_id for contact_id, cut_at in rows
               if cut_at is None or cut_at.timestamp() < since]
        if not ids:
            return None  # disabled or removed everywhere: the live session ends here
        wanted = session.get("contact_id")
        g._login_pending = (ids, wanted if wanted in ids else ids[0])  # see LoginGlobals
        return PortalLogin(ident, version)
    return None


def _unauthorized():
    target = "staff.login" if request.blueprint in CONSOLE_BLUEPRINTS else "auth.login"
    location = url_for(target, next=request.full_path.rstrip("?")) if request.method == "GET" \
        else url_for(target)
    if request.headers.get("HX-Request") == "true":
        response = redirect(location)
        response.status_code = 401
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location)


def start_session(user: PortalUser | StaffUser, *, contact_id: int | None = None) -> None:
    """Log a user in on a fresh session (old session data, CSRF token included, is dropped)."""
    session.clear()
    login_user(user)
    # Flask-Login's identifier hash and "fresh" flag serve only session protection and fresh
    # logins, neither of which is used (see configure): 150 bytes less in every request's cookie.
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


class PreviewIsReadOnly(Forbidden):
    description = ("This is a preview of the customer's portal: nothing can be changed here. "
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
    return _unauthorized()


def require_staff_login():
    """before_request guard for the staff console."""
    if not is_staff_user():
        return _unauthorized()
    return None


def admin_required(view):
    """Allow only Administrators of the current shop (Staff get 403)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not (is_staff_user() and current_user.is_admin):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def current_shop() -> Shop:
    return g.shop


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
