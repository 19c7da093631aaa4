"""Issue and check one-time links. Only the SHA-256 of a token is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update

from portal_app.extensions import db
from portal_app.models import Token, utcnow


def token_hash(raw: str) -> str:
    """Return the hex SHA-256 under which a raw token is stored."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(
    kind: str,
    *,
    email: str,
    ttl: timedelta,
    shop_id: int | None = None,
    contact_id: int | None = None,
    portal_user_id: int | None = None,
    staff_user_id: int | None = None,
) -> str:
    """Create a token, cancelling older live ones of the same kind and owner; return it raw."""
    revoke_tokens(kind=kind, contact_id=contact_id, portal_user_id=portal_user_id,
                  staff_user_id=staff_user_id)
    raw = secrets.token_urlsafe(32)
    db.session.add(
        Token(
            kind=kind,
            token_hash=token_hash(raw),
            email=email,
            shop_id=shop_id,
            contact_id=contact_id,
            portal_user_id=portal_user_id,
            staff_user_id=staff_user_id,
            expires_at=utcnow() + ttl,
        )
    )
    db.session.flush()
    return raw


def revoke_tokens(
    *, kind: str | None = None, contact_id: int | None = None,
    portal_user_id: int | None = None, staff_user_id: int | None = None,
) -> None:
    """Cancel every unused token of a contact, a portal user and/or a staff member (optionally
    of one kind)."""
    owners = []
    if contact_id is not None:
        owners.append(Token.contact_id == contact_id)
    if portal_user_id is not None:
        owners.append(Token.portal_user_id == portal_user_id)
    if staff_user_id is not None:
        owners.append(Token.staff_user_id == staff_user_id)
    if not owners:
        return
    stmt = (
        update(Token)
        .where(or_(*owners), Token.used_at.is_(None), Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if kind is not None:
        stmt = stmt.where(Token.kind == kind)
    db.session.execute(stmt)


@dataclass
class TokenCheck:
    token: Token | None
    problem: str | None  # None, "unknown", "used", "expired"

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_token(kind: str, raw: str) -> TokenCheck:
    """Find the token behind a raw link and tell whether it can still be used."""
    if not raw or len(raw) > 200:
        return TokenCheck(None, "unknown")
    token = db.session.scalar(
        select(Token).where(Token.token_hash == token_hash(raw), Token.kind == kind)
    )
    if token is None:
        return TokenCheck(None, "unknown")
    if token.used_at is not None or token.revoked_at is not None:
        return TokenCheck(token, "used")
    if utcnow() >= token.expires_at:
        return TokenCheck(token, "expired")
    return TokenCheck(token, None)


def consume_token(token: Token) -> bool:
    """Mark a token used; return False when another request used it first."""
    result = db.session.execute(
        update(Token)
        .where(Token.id == token.id, Token.used_at.is_(None), Token.revoked_at.is_(None))
        .values(used_at=utcnow())
    )
    return result.rowcount == 1
