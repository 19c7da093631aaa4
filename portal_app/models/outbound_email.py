"""The transactional outbox, which is also the delivery log staff read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal_app.models.base import Base, utcnow


class OutboundEmail(Base):
    __tablename__ = "outbound_email"

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    STATUSES = (QUEUED, SENT, FAILED)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    # the invoice whose PDF the email carries (an invoice's email, when the shop attaches them)
    attach_invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoice.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_domain: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    # Bodies are kept until the message is sent (they may hold a one-time link), then cleared.
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_known"),
        Index("ix_outbound_email_shop_id_created_at", "shop_id", "created_at"),
        Index("ix_outbound_email_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbound_email_shop_id_recipient_domain", "shop_id", "recipient_domain"),
    )
