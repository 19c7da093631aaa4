"""One-time links (invitation, password reset): only the SHA-256 of the secret is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, utcnow
from portal_app.models.customer import Contact
from portal_app.models.portal_user import PortalUser


class Token(Base):
    __tablename__ = "token"

    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"
    STAFF_INVITATION = "staff_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    portal_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("portal_user.id", ondelete="CASCADE"), index=True
    )
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    contact: Mapped[Contact | None] = relationship()
    portal_user: Mapped[PortalUser | None] = relationship()

    __table_args__ = (
        CheckConstraint("kind IN ('invitation', 'password_reset', 'staff_invitation')",
                        name="kind_known"),
    )
