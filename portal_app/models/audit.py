"""What was done to a shop's portal and by whom: role changes, staff invitations, previews,
settings. Read by Administrators; written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, utcnow
from portal_app.models.shop import StaffUser


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    actor_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(300))  # who, as it read at the time
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[StaffUser | None] = relationship()

    __table_args__ = (Index("ix_audit_entry_shop_id_created_at", "shop_id", "created_at"),)


class LoginLockout(Base):
    """An address the login rate limit refuses right now (for the health page): written when a
    limit is breached, read until it expires."""

    __tablename__ = "login_lockout"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # portal or staff
    email: Mapped[str] = mapped_column(String(254))
    locked_until: Mapped[datetime]
    refused: Mapped[int] = mapped_column(default=1)

    __table_args__ = (Index("uq_login_lockout_kind_email", "kind", "email", unique=True),)
