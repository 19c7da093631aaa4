"""A portal login's sessions as rows: one per browser that logged in, so the person sees where
they are logged in and ends any of them (the cookie carries the row's id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal_app.models.base import Base, utcnow


class LoginSession(Base):
    __tablename__ = "login_session"

    USER_AGENT_MAX = 255
    # last_seen_at is written at login and then at most this often (a conditional UPDATE in
    # the login loader), never on every request
    LAST_SEEN_EVERY_MINUTES = 15

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_user_id: Mapped[int] = mapped_column(
        ForeignKey("portal_user.id", ondelete="CASCADE"))
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_login_session_portal_user_id_ended_at", "portal_user_id", "ended_at"),
    )
