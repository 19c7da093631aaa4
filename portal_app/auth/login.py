"""The login of a request: Flask-Login's loader, run once per request by a before_request hook
(as flaskr's load_logged_in_user), puts who is logged in into plain g attributes.

A login's session id is "<kind>:<id>:<session_version>". Logging out, changing the password or
disabling access bumps or cuts what the loader accepts, so a copied cookie stops working.
A portal session is also a row (LoginSession) whose id the cookie carries as "sid": the loader
accepts it only while the row is not ended (in its one query), and writes its last_seen_at at
most every 15 minutes.

- A staff member: g.shop (one query with the staff row), and g.preview_customer while an
  Administrator previews a customer's portal.
- A portal login: g.portal_contacts (the contacts the person may act through, with their
  customers and shops, one query), g.contact (the one chosen for this session), g.customer and
  g.shop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from htmx_flask import make_response as htmx_response
from sqlalchemy import and_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import contains_eager, joinedload

from portal_app.extensions import db
from portal_app.models import Contact, Customer, LoginSession, PortalUser, StaffUser, utcnow
from portal_app.models.portal_user import PortalLoginMixin
from portal_app.services import inbox
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
    """The person logged in to the portal, as a request knows them: the login's id, the
    session version it was checked against and this browser's session row (the login's row
    itself is loaded where it is changed)."""

    id: int
    session_version: int
    session_id: int


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
    # The console menu's Inbox count comes in the same query (an indexed count of open items).
    found = db.session.execute(
        select(StaffUser, inbox.open_count_of(StaffUser.shop_id))
        .options(joinedload(StaffUser.shop)).where(StaffUser.id == ident)).first()
    if found is None:
        return None
    user, g.inbox_open = found
    if user.session_version != version or not user.active:
        return None
    g.shop = user.shop
    preview = session.get("preview_customer_id")
    if preview and user.is_admin:
        g.preview_customer = db.session.scalar(select(Customer).where(
            Customer.id == preview, Customer.shop_id == user.shop_id))
    return user


def _load_portal_login(ident: int, version: int) -> PortalLogin | None:
    sid = session.get("sid")
    if type(sid) is not int:
        return None  # a session begun before sessions were rows, or no portal session at all
    # The contacts the login may act through, with their customers and shops, and when this
    # browser's session row was last seen, in one query; none means the session's version is
    # stale, its row was ended (or is another login's), or access was removed everywhere.
    rows = db.session.execute(
        select(Contact, LoginSession.last_seen_at)
        .join(Contact.portal_user).join(Contact.customer).join(Contact.shop)
        .join(LoginSession, and_(LoginSession.portal_user_id == PortalUser.id,
                                 LoginSession.id == sid, LoginSession.ended_at.is_(None)))
        .options(contains_eager(Contact.customer), contains_eager(Contact.shop))
        .where(PortalUser.id == ident, PortalUser.session_version == version,
               Contact.portal_disabled.is_(False), Contact.activated_at.is_not(None))
        .order_by(Contact.id)).all()
    if rows:
        _seen(sid, rows[0][1])
    contacts = [contact for contact, _ in rows]
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
    return PortalLogin(ident, version, sid)


SEEN_EVERY = timedelta(minutes=LoginSession.LAST_SEEN_EVERY_MINUTES)


def _seen(sid: int, last_seen) -> None:
    """Write when this session was last seen, when that is more than 15 minutes ago: a
    conditional UPDATE (a second request at the same moment writes nothing) on a connection of
    its own, committed at once, so the request's own transaction and the objects it loaded are
    left alone. Being seen is a hint, not a record: a locked database skips it."""
    now = utcnow()
    if last_seen > now - SEEN_EVERY:
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(update(LoginSession).where(
                LoginSession.id == sid, LoginSession.last_seen_at <= now - SEEN_EVERY)
                .values(last_seen_at=now))
    except OperationalError:
        pass


SLUG = re.compile(r"[A-Za-z0-9_-]{1,60}")


def login_shop() -> str | None:
    """The shop whose branded login a portal visitor without a (live) session is sent to: the
    one a link names (?shop=slug: the document links of emails carry it), else the one kept in
    the session at login (an expired or ended session still has it). Only something shaped like
    a slug is passed on; the login page brands a shop that exists and is neutral otherwise."""
    for slug in (request.args.get("shop"), session.get("shop")):
        if isinstance(slug, str) and SLUG.fullmatch(slug):
            return slug
    return None


def unauthorized():
    """Send the visitor to the login of the side they tried to open, the portal's branded with
    the shop when it is known (htmx: 401 + HX-Redirect, never a redirect that fetch() would
    follow into a fragment)."""
    console = request.blueprints and request.blueprints[-1] in CONSOLE_BLUEPRINTS
    target, shop = ("staff.login", None) if console else ("auth.login", login_shop())
    location = url_for(target, next=request.full_path.rstrip("?"), shop=shop) \
        if request.method == "GET" else url_for(target, shop=shop)
    if wants_fragment():
        return htmx_response(redirect(location), 401, redirect=location)
    return redirect(location)


def start_session(user: PortalUser | StaffUser, *, contact_id: int | None = None,
                  shop=None) -> None:
    """Log a user in on a fresh session (old session data, CSRF token included, is dropped).
    A portal login keeps its shop's slug: when the session ends, the login page it is sent
    to wears the shop's brand (login_shop())."""
    session.clear()
    _log_in(user)
    session["since"] = utcnow().timestamp()
    if user.kind == "portal":  # a row too, flushed here (the caller commits)
        from portal_app.services import login_sessions

        row = login_sessions.begin(user, user_agent=request.user_agent.string,
                                   ip_address=request.remote_addr)
        session["sid"] = row.id
    if contact_id is not None:
        session["contact_id"] = contact_id
    if shop is not None:
        session["shop"] = shop.slug


def keep_session(user: PortalUser) -> None:
    """Carry this browser's session over to the login's new session version (after a password
    change, which ends every other session): the same row, CSRF token and account."""
    _log_in(user)


def _log_in(user: PortalUser | StaffUser) -> None:
    login_user(user)
    # Flask-Login's identifier hash and "fresh" flag serve only session protection and fresh
    # logins, neither of which is used (see init_app): 150 bytes less in every request's cookie.
    session.pop("_id", None)
    session.pop("_fresh", None)


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
