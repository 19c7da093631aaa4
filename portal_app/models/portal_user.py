"""One login per person; linked to the contacts that person is, at one or more customers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, utcnow

if TYPE_CHECKING:
    from portal_app.models.customer import Contact


class PortalLoginMixin:
    """What Flask-Login asks of a portal login; the session id is "portal:<id>:<version>" (see
    auth.login.load_user), shared by the row and by the lighter PortalLogin of a request."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    kind = "portal"

    def get_id(self) -> str:
        return f"portal:{self.id}:{self.session_version}"


class PortalUser(PortalLoginMixin, Base):
    __tablename__ = "portal_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    session_version: Mapped[int] = mapped_column(default=1)
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the person wants to be emailed about (the account page); every kind starts on.
    # Password resets, invitations and security notices are always sent.
    notify_invoices: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_estimates: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_replies: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_requests: Mapped[bool] = mapped_column(default=True, server_default=true())

    contacts: Mapped[list[Contact]] = relationship(back_populates="portal_user")
