"""Comment threads on service requests, estimates, work orders and invoices: one table, one
parent each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, utcnow
from portal_app.models.customer import Contact
from portal_app.models.shop import StaffUser


class Comment(Base):
    """One message of a thread. Exactly one of service_request_id, estimate_id, work_order_id
    and invoice_id names the document it belongs to; the author is a contact or a staff member."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    service_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    estimate_id: Mapped[int | None] = mapped_column(
        ForeignKey("estimate.id", ondelete="CASCADE"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    author_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"))
    author_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    submission_key: Mapped[str | None] = mapped_column(String(64))  # a double click posts once
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author_contact: Mapped[Contact | None] = relationship()
    author_staff: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        UniqueConstraint("shop_id", "submission_key"),
        CheckConstraint("(CASE WHEN service_request_id IS NULL THEN 0 ELSE 1 END) + "
                        "(CASE WHEN estimate_id IS NULL THEN 0 ELSE 1 END) + "
                        "(CASE WHEN work_order_id IS NULL THEN 0 ELSE 1 END) + "
                        "(CASE WHEN invoice_id IS NULL THEN 0 ELSE 1 END) = 1",
                        name="one_parent"),
    )

    @property
    def author_name(self) -> str:
        if self.author_staff is not None:
            return self.author_staff.name
        if self.author_contact is not None:
            return self.author_contact.name
        return "Former contact"

    @property
    def by_staff(self) -> bool:
        return self.author_staff_id is not None
