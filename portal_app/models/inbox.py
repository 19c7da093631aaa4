"""The staff inbox: one item per customer action staff should answer or know (a new service
request, a customer comment, an estimate decided, additional work decided, an online payment,
an invitation accepted). Written in the same transaction as the action; open until a staff
member marks it handled or replies on the document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, utcnow
from portal_app.models.customer import Contact, Customer
from portal_app.models.shop import StaffUser

INBOX_KINDS = ("request", "comment", "approved", "partial", "declined", "additional_work",
               "payment_succeeded", "payment_failed", "invitation_accepted")
# What an item is about: the console page its number links to.
INBOX_DOCUMENTS = ("service_request", "estimate", "work_order", "invoice", "customer")
HANDLED_HOW = ("marked", "replied")


class InboxItem(Base):
    __tablename__ = "inbox_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(24))
    urgent: Mapped[bool] = mapped_column(default=False)
    document_type: Mapped[str] = mapped_column(String(20))
    document_id: Mapped[int] = mapped_column()
    document_number: Mapped[str] = mapped_column(String(40))  # as it read at the time
    summary: Mapped[str] = mapped_column(String(300))  # what happened, in a few words
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))
    handled_by_label: Mapped[str | None] = mapped_column(String(300))  # who, as at the time
    handled_how: Mapped[str | None] = mapped_column(String(10))

    customer: Mapped[Customer] = relationship()
    contact: Mapped[Contact | None] = relationship()
    handled_by: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        # The open count and the open list per shop read only open rows.
        Index("ix_inbox_item_open", "shop_id", "created_at",
              sqlite_where=text("handled_at IS NULL"),
              postgresql_where=text("handled_at IS NULL")),
        Index("ix_inbox_item_shop_id_handled_at", "shop_id", "handled_at"),
        Index("ix_inbox_item_document", "document_type", "document_id"),
        CheckConstraint("kind IN ('" + "', '".join(INBOX_KINDS) + "')", name="kind_known"),
        CheckConstraint("document_type IN ('" + "', '".join(INBOX_DOCUMENTS) + "')",
                        name="document_known"),
        CheckConstraint("(handled_at IS NULL AND handled_how IS NULL) OR "
                        "(handled_at IS NOT NULL AND handled_how IN ('marked', 'replied'))",
                        name="handled_how_known"),
    )

    @property
    def is_open(self) -> bool:
        return self.handled_at is None

    @property
    def contact_name(self) -> str:
        return self.contact.name if self.contact is not None else "Former contact"
