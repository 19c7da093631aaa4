"""Portal access: invitations, password resets, logins and email changes."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select, update

from portal_app.mail.emails import portal_link, queue_email
from portal_app.extensions import db
from portal_app.models import Contact, PortalUser, StaffUser, Token, utcnow
from portal_app.services import inbox, login_sessions, service_requests, tokens
from portal_app.services.passwords import hash_password, verify_password


def normalize_email(email: str) -> str:
    """Return the address as stored: trimmed and lower-cased."""
    return email.strip().lower()


def invite_contact(contact: Contact) -> None:
    """Send (or re-send) the portal invitation; a newer invitation cancels the older links."""
    raw = tokens.issue_token(
        Token.INVITATION,
        email=contact.email,
        ttl=current_app.config["INVITATION_TTL"],
        shop_id=contact.shop_id,
        contact_id=contact.id,
    )
    contact.invited_at = utcnow()
    queue_email(
        "invitation",
        recipient=contact.email,
        shop=contact.shop,
        contact=contact,
        link=portal_link("auth.accept_invitation", token=raw),
        has_login=existing_login(contact.email) is not None,
        login_link=portal_link("auth.login", shop=contact.shop),
    )


def send_password_reset(user: PortalUser, *, contact: Contact | None = None) -> None:
    """Email a one-hour reset link to a portal user (newer links cancel older ones)."""
    contact = contact or _preferred_contact(user)
    raw = tokens.issue_token(
        Token.PASSWORD_RESET,
        email=user.email,
        ttl=current_app.config["RESET_TTL"],
        shop_id=contact.shop_id if contact else None,
        portal_user_id=user.id,
    )
    queue_email(
        "password_reset",
        recipient=user.email,
        shop=contact.shop if contact else None,
        contact=contact,
        link=portal_link("auth.reset_password", token=raw,
                         shop=contact.shop if contact else None),
    )


def send_password_reset_for_contact(contact: Contact) -> str:
    """Staff action: reset link for an active contact, or an invitation when not active yet."""
    user = contact.portal_user
    if contact.portal_state == "active" and user is not None:
        send_password_reset(user, contact=contact)
        return "reset"
    invite_contact(contact)
    return "invitation"


def request_password_reset(email: str) -> None:
    """Self-service: send a reset link when the address has a usable login; say nothing else."""
    user = find_portal_user(email)
    if user is not None and user.password_hash and _preferred_contact(user) is not None:
        send_password_reset(user)


def find_portal_user(email: str) -> PortalUser | None:
    return db.session.scalar(select(PortalUser).where(PortalUser.email == normalize_email(email)))


def disable_contact(contact: Contact) -> None:
    """Turn a contact's portal access off: its links die, and every session that uses it now
    loses it for good (enabling it again later needs a new login)."""
    contact.portal_disabled = True
    contact.access_cut_at = utcnow()
    tokens.revoke_tokens(contact_id=contact.id)


def accessible_contacts(user: PortalUser) -> list[Contact]:
    """Return the contacts through which a portal user may act (not disabled, still linked)."""
    return [c for c in user.contacts if not c.portal_disabled and c.activated_at is not None]


def _preferred_contact(user: PortalUser) -> Contact | None:
    contacts = accessible_contacts(user)
    return max(contacts, key=lambda c: c.activated_at) if contacts else None


class WrongPassword(Exception):
    """The password given is not the login's own."""


def existing_login(email: str) -> PortalUser | None:
    """The portal login an address already has (at any shop, with a password), or None: an
    invitation to it is accepted with that password and never sets one."""
    user = find_portal_user(email)
    return user if user is not None and user.password_hash else None


def _invited_contact(token: Token) -> Contact | None:
    contact = token.contact
    if contact is None or normalize_email(contact.email) != token.email or contact.portal_disabled:
        return None
    return contact


def accept_invitation(token: Token, password: str) -> PortalUser | None:
    """A new address accepts its invitation: its login is made with the chosen password and
    the contact is linked to it. None when the link can't be used, or when the address has a
    login by now (that login's owner accepts with its own password: accept_with_login)."""
    contact = _invited_contact(token)
    if contact is None or existing_login(contact.email) is not None:
        return None
    if not tokens.consume_token(token):
        return None
    user = find_portal_user(contact.email)
    if user is None:
        user = PortalUser(email=normalize_email(contact.email), session_version=1)
        db.session.add(user)
    _set_password(user, password)
    _link(contact, user)
    return user


def accept_with_login(token: Token, password: str) -> PortalUser | None:
    """An address that has a login accepts its invitation with that login's own password: the
    contact joins the login, whose password and sessions stay as they are. WrongPassword when
    the password is not the login's; None when the link can't be used."""
    contact = _invited_contact(token)
    user = existing_login(contact.email) if contact is not None else None
    if user is None:
        return None
    if not verify_password(user.password_hash, password):
        raise WrongPassword()
    if not tokens.consume_token(token):
        return None
    _link(contact, user)
    return user


def _link(contact: Contact, user: PortalUser) -> None:
    contact.portal_user = user
    joined = contact.activated_at is None
    contact.activated_at = contact.activated_at or utcnow()
    db.session.flush()
    if joined:  # the shop's staff hear of it in their inbox
        inbox.invitation_accepted(contact)


def change_password(user: PortalUser, password: str, *, keep_session_id: int) -> None:
    """The person changes their password on the account page: every other session ends (this
    browser's carries on) and the owner is told by email."""
    _set_password(user, password, keep_session_id=keep_session_id)
    contact = _preferred_contact(user)
    queue_email("password_changed", recipient=user.email,
                shop=contact.shop if contact else None, contact=contact,
                reset_link=portal_link("auth.forgot_password",
                                       shop=contact.shop if contact else None))


def reset_password(token: Token, password: str) -> PortalUser | None:
    """Set a new password from a reset link; end other sessions and tell the owner by email."""
    user = token.portal_user
    if user is None or user.email != token.email:
        return None
    if not tokens.consume_token(token):
        return None
    _set_password(user, password)
    contact = _preferred_contact(user)
    queue_email(
        "password_changed",
        recipient=user.email,
        shop=contact.shop if contact else None,
        contact=contact,
        reset_link=portal_link("auth.forgot_password",
                               shop=contact.shop if contact else None),
    )
    return user


def _set_password(user: PortalUser, password: str, *, keep_session_id: int | None = None
                  ) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_version += 1  # every existing session (copied cookies too) ends here
    db.session.flush()
    # and their rows say so, but for the one the caller carries over
    login_sessions.end_all(user.id, keep=keep_session_id)
    tokens.revoke_tokens(portal_user_id=user.id)


def authenticate_portal(email: str, password: str) -> PortalUser | None:
    """Return the portal user for a correct email and password that can reach an account."""
    user = find_portal_user(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not accessible_contacts(user):
        return None
    user.last_login_at = utcnow()
    return user


def authenticate_staff(email: str, password: str) -> StaffUser | None:
    """Return the active staff user for a correct email and password."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def logout_everywhere(user) -> None:
    """End every session of this login (a portal login or a staff member) on the server side:
    copied cookies stop working."""
    model = StaffUser if user.kind == "staff" else PortalUser
    db.session.execute(update(model).where(model.id == user.id)
                       .values(session_version=model.session_version + 1)
                       .execution_options(synchronize_session=False))
    if user.kind == "portal":
        login_sessions.end_all(user.id)


def email_taken(customer_id: int, email: str, *, except_contact_id: int | None = None) -> bool:
    stmt = select(func.count()).select_from(Contact).where(
        Contact.customer_id == customer_id, Contact.email == normalize_email(email)
    )
    if except_contact_id is not None:
        stmt = stmt.where(Contact.id != except_contact_id)
    return db.session.scalar(stmt) > 0


def change_contact_email(contact: Contact, new_email: str) -> bool:
    """Change a contact's address: cancel its links, unlink the old login, invite the new one.

    Return True when an invitation was sent to the new address.
    """
    new_email = normalize_email(new_email)
    if new_email == contact.email:
        return False
    was_invited = contact.portal_state in ("invited", "active")
    tokens.revoke_tokens(contact_id=contact.id)
    if contact.portal_user_id is not None:
        tokens.revoke_tokens(kind=Token.PASSWORD_RESET, portal_user_id=contact.portal_user_id)
    contact.email = new_email
    contact.portal_user = None
    contact.activated_at = None
    contact.invited_at = None
    db.session.flush()
    if was_invited and not contact.portal_disabled:
        invite_contact(contact)
        return True
    return False


def remove_contact(contact: Contact) -> None:
    """Delete a contact; its links die with it and its login loses this account. Its unfinished
    request form goes first with its photos' stored objects (the database would delete the
    rows only)."""
    tokens.revoke_tokens(contact_id=contact.id)
    service_requests.discard_draft(contact)
    db.session.delete(contact)
    db.session.flush()
