"""The shop's staff: invitations, roles, deactivation, and the rules that keep a shop from
locking itself out (FAQ 9): nobody removes their own Administrator role or deactivates
themselves, and a shop always keeps at least one active Administrator.

The last-Administrator rule holds under concurrency: the shop's row is locked first (PostgreSQL
serialises two demotions on it; SQLite has one writer anyway) and the change itself is a
conditional UPDATE that only succeeds while another active Administrator exists."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import aliased

from portal_app.mail.emails import portal_link, queue_email
from portal_app.extensions import db
from portal_app.models import Shop, StaffUser, Token, utcnow
from portal_app.services import audit, tokens
from portal_app.services.accounts import normalize_email
from portal_app.services.passwords import hash_password


class StaffRuleError(Exception):
    """The change is not allowed; str() says why in plain words."""


LAST_ADMIN = ("A shop always keeps at least one active Administrator. Make someone else an "
              "Administrator first.")


def shop_staff(shop: Shop) -> list[StaffUser]:
    return db.session.scalars(select(StaffUser).where(StaffUser.shop_id == shop.id)
                              .order_by(StaffUser.active.desc(), StaffUser.name,
                                        StaffUser.id)).all()


def active_admin_count(shop_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(StaffUser).where(
        StaffUser.shop_id == shop_id, StaffUser.role == "admin",
        StaffUser.active.is_(True))) or 0


def email_in_use(email: str) -> bool:
    return db.session.scalar(select(StaffUser.id).where(
        StaffUser.email == normalize_email(email))) is not None


def invite(shop: Shop, actor: StaffUser, *, email: str, name: str, role: str) -> StaffUser:
    """Add a staff member (no password yet) and email them a one-time link to choose one."""
    if role not in StaffUser.ROLES:
        raise StaffRuleError("Choose Administrator or Staff.")
    if email_in_use(email):
        raise StaffRuleError("This address already has a staff login.")
    member = StaffUser(shop_id=shop.id, email=normalize_email(email), name=name, role=role,
                       active=True, session_version=1)
    db.session.add(member)
    db.session.flush()
    send_invitation(member, actor)
    audit.record(shop.id, actor, "staff_invited",
                 f"{member.name} <{member.email}> invited as {member.role_label}")
    return member


def send_invitation(member: StaffUser, actor: StaffUser) -> None:
    """(Re-)send the invitation; a newer one cancels older links (7 days, used once)."""
    if member.password_hash is not None:
        raise StaffRuleError(f"{member.name} has already set a password.")
    if not member.active:
        raise StaffRuleError(f"{member.name} is deactivated. Reactivate them first.")
    raw = tokens.issue_token(Token.STAFF_INVITATION, email=member.email,
                             ttl=current_app.config["INVITATION_TTL"], shop_id=member.shop_id,
                             staff_user_id=member.id)
    member.invited_at = utcnow()
    queue_email("staff_invitation", recipient=member.email, shop=member.shop,
                member=member, inviter=actor,
                link=portal_link("admin.accept_staff_invitation", token=raw))


def accept_invitation(token: Token, password: str) -> StaffUser | None:
    """Set the invited staff member's password (once); None when the link cannot be used."""
    member = _set_password(token, password)
    if member is not None:
        audit.record(member.shop_id, member, "staff_joined", f"{member.name} <{member.email}>")
    return member


def request_password_reset(email: str) -> None:
    """Forgot password? on the staff login: email a one-hour reset link when the address is an
    active staff member's who has a password (an invited one uses the invitation); nothing
    else, so the answer is the same either way. A newer link cancels the older ones."""
    member = db.session.scalar(select(StaffUser).where(
        StaffUser.email == normalize_email(email)))
    if member is None or not member.active or member.password_hash is None:
        return
    raw = tokens.issue_token(Token.PASSWORD_RESET, email=member.email,
                             ttl=current_app.config["RESET_TTL"], shop_id=member.shop_id,
                             staff_user_id=member.id)
    queue_email("password_reset", recipient=member.email, shop=member.shop, member=member,
                link=portal_link("staff.auth.reset_password", token=raw))


def reset_password(token: Token, password: str) -> StaffUser | None:
    """Set a staff member's new password from a reset link (once): every session of theirs
    ends (copied cookies too), their other links die, and they are told by email."""
    member = _set_password(token, password)
    if member is None:
        return None
    queue_email("password_changed", recipient=member.email, shop=member.shop, member=member,
                reset_link=portal_link("staff.auth.forgot_password"))
    audit.record(member.shop_id, member, "staff_password_reset",
                 f"{member.name} <{member.email}>")
    return member


def _lock_shop(shop_id: int) -> None:
    """Serialise role changes of one shop (PostgreSQL row lock; a no-op on SQLite)."""
    db.session.execute(select(Shop.id).where(Shop.id == shop_id).with_for_update())


def _another_active_admin(member: StaffUser):
    other = aliased(StaffUser)
    return exists().where(other.shop_id == member.shop_id, other.id != member.id,
                          other.role == "admin", other.active.is_(True))


def _guarded_update(member: StaffUser, **values) -> bool:
    """UPDATE the member only while another active Administrator remains (atomically)."""
    result = db.session.execute(
        update(StaffUser).where(StaffUser.id == member.id, _another_active_admin(member))
        .values(**values).execution_options(synchronize_session=False))
    db.session.expire(member)
    return result.rowcount == 1


def change_role(actor: StaffUser, member: StaffUser, role: str) -> None:
    """Make a member Administrator or Staff."""
    if role not in StaffUser.ROLES:
        raise StaffRuleError("Choose Administrator or Staff.")
    if member.role == role:
        return
    label = StaffUser.ROLE_LABELS[role]
    if member.id == actor.id and role != "admin":
        raise StaffRuleError("You can't remove your own Administrator role. Ask another "
                             "Administrator to do it, so the shop is never left without one.")
    _lock_shop(member.shop_id)
    before = member.role_label
    if role == "admin":
        member.role = "admin"
        db.session.flush()
    elif not _guarded_update(member, role=role):
        raise StaffRuleError(LAST_ADMIN)
    audit.record(member.shop_id, actor, "role_changed",
                 f"{member.name} <{member.email}>: {before} → {label}")


def deactivate(actor: StaffUser, member: StaffUser) -> None:
    """Turn a member's access off: their sessions and links end for good."""
    if member.id == actor.id:
        raise StaffRuleError("You can't deactivate yourself. Ask another Administrator.")
    if not member.active:
        return
    _lock_shop(member.shop_id)
    values = {"active": False, "session_version": StaffUser.session_version + 1}
    if member.role == "admin":
        if not _guarded_update(member, **values):
            raise StaffRuleError(LAST_ADMIN)
    else:
        db.session.execute(update(StaffUser).where(StaffUser.id == member.id).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.expire(member)
    tokens.revoke_tokens(staff_user_id=member.id)
    audit.record(member.shop_id, actor, "staff_deactivated", f"{member.name} <{member.email}>")


def reactivate(actor: StaffUser, member: StaffUser) -> None:
    """Give a deactivated member access again (old sessions stay ended)."""
    if member.active:
        return
    member.active = True
    db.session.flush()
    audit.record(member.shop_id, actor, "staff_reactivated", f"{member.name} <{member.email}>")


def restore_admin(email: str) -> StaffUser | None:
    """The operator's way back (FAQ 9): make a staff login an active Administrator again."""
    member = db.session.scalar(select(StaffUser).where(
        StaffUser.email == normalize_email(email)))
    if member is None:
        return None
    before = member.role_label + ("" if member.active else ", deactivated")
    member.role, member.active = "admin", True
    db.session.flush()
    audit.record(member.shop_id, None, "admin_restored",
                 f"{member.name} <{member.email}>: {before} → Administrator")
    return member


def _set_password(token: Token, password: str) -> StaffUser | None:
    """Spend a staff member's invitation or reset link (once) on a new password: every session
    of theirs ends and their other links die; None when the link cannot be used."""
    member = db.session.get(StaffUser, token.staff_user_id) if token.staff_user_id else None
    if member is None or member.email != token.email or not member.active:
        return None
    if not tokens.consume_token(token):
        return None
    member.password_hash = hash_password(password)
    member.session_version += 1
    db.session.flush()
    tokens.revoke_tokens(staff_user_id=member.id)
    return member
