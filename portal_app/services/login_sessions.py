"""A portal login's sessions as rows (LoginSession): begun at login, seen at most every 15
minutes after (the login loader's conditional UPDATE), ended by logging out, from the account
page, or when the password changes. The session cookie carries the row's id."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update

from portal_app.extensions import db
from portal_app.models import LoginSession, PortalUser, utcnow


def begin(user: PortalUser, *, user_agent: str | None, ip_address: str | None) -> LoginSession:
    """Write the row of a new session of this login (the user agent trimmed) and flush."""
    now = utcnow()
    row = LoginSession(portal_user_id=user.id,
                       user_agent=(user_agent or "").strip()[:LoginSession.USER_AGENT_MAX],
                       ip_address=(ip_address or "")[:45], created_at=now, last_seen_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def end(portal_user_id: int, session_id: int) -> bool:
    """End one session of this login; False when it is not one of its live sessions."""
    done = db.session.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id, LoginSession.portal_user_id == portal_user_id,
               LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow()).execution_options(synchronize_session=False))
    return done.rowcount == 1


def end_all(portal_user_id: int, *, keep: int | None = None) -> int:
    """End every live session of this login but `keep` (this browser's); return how many."""
    stmt = update(LoginSession).where(LoginSession.portal_user_id == portal_user_id,
                                      LoginSession.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep)
    done = db.session.execute(stmt.values(ended_at=utcnow())
                              .execution_options(synchronize_session=False))
    return done.rowcount


def find(portal_user_id: int, session_id: int) -> LoginSession | None:
    """One session of this login (live or ended), or None when it is not this login's."""
    return db.session.scalar(select(LoginSession).where(
        LoginSession.id == session_id, LoginSession.portal_user_id == portal_user_id))


def live(portal_user_id: int, since: datetime) -> list[LoginSession]:
    """The login's sessions that are not ended and were seen after `since` (older ones' cookies
    have expired), the most recently seen first."""
    return db.session.scalars(select(LoginSession).where(
        LoginSession.portal_user_id == portal_user_id, LoginSession.ended_at.is_(None),
        LoginSession.last_seen_at > since)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())).all()


# (pattern, name): the first that matches names the browser; the order matters, as Edge and
# Opera say "Chrome" and Chrome says "Safari".
_BROWSERS = ((r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"),
             (r"SamsungBrowser/", "Samsung Internet"), (r"Firefox/|FxiOS/", "Firefox"),
             (r"Chrome/|CriOS/|Chromium/", "Chrome"), (r"Safari/", "Safari"))
_SYSTEMS = ((r"iPhone", "iPhone"), (r"iPad", "iPad"), (r"Android", "Android"),
            (r"CrOS", "ChromeOS"), (r"Windows", "Windows"), (r"Mac OS X|Macintosh", "macOS"),
            (r"Linux", "Linux"))


def browser(user_agent: str) -> str:
    """The browser and system a user agent names, as a person says it: "Chrome on Android";
    "Unknown browser" when it names none we know."""
    name = next((label for pattern, label in _BROWSERS if re.search(pattern, user_agent)),
                None)
    system = next((label for pattern, label in _SYSTEMS if re.search(pattern, user_agent)),
                  None)
    if name and system:
        return f"{name} on {system}"
    return name or (f"A browser on {system}" if system else "Unknown browser")
