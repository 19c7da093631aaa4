"""Service requests and the server-side draft of the request form."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.asset import Asset
from portal_app.models.base import Base, utcnow
from portal_app.models.customer import Contact, Customer, Location

if TYPE_CHECKING:
    from portal_app.models.work_order import WorkOrder


def new_draft_token() -> str:
    return secrets.token_urlsafe(24)


URGENCIES = {
    "routine": "Routine",
    "soon": "Soon (within a few days)",
    "urgent": "Urgent (unit is down)",
}


class ServiceRequest(Base):
    __tablename__ = "service_request"

    SUBMITTED, SCHEDULED, CONVERTED, CLOSED = "submitted", "scheduled", "converted", "closed"
    STATUS_LABELS = {SUBMITTED: "Submitted", SCHEDULED: "Scheduled",
                     CONVERTED: "Work order created", CLOSED: "Closed"}

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"))
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("asset.id", ondelete="SET NULL"), index=True)
    asset_description: Mapped[str] = mapped_column(String(200), default="")
    desired_date: Mapped[date | None]
    urgency: Mapped[str] = mapped_column(String(10), default="routine")
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=SUBMITTED)
    scheduled_for: Mapped[date | None]
    work_order_reference: Mapped[str | None] = mapped_column(String(60))  # before work orders
    # The token of the draft it was submitted from: a draft becomes one request, however many
    # times (or tabs) it is submitted.
    draft_token: Mapped[str | None] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()
    contact: Mapped[Contact | None] = relationship()
    location: Mapped[Location | None] = relationship()
    asset: Mapped[Asset | None] = relationship()
    work_order: Mapped[WorkOrder | None] = relationship(back_populates="service_request",
                                                        uselist=False)

    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'scheduled', 'converted', 'closed')",
                        name="status_known"),
        CheckConstraint("urgency IN ('routine', 'soon', 'urgent')", name="urgency_known"),
        Index("ix_service_request_shop_id_status", "shop_id", "status"),
        Index("ix_service_request_customer_id_created_at", "customer_id", "created_at"),
    )

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS[self.status]

    @property
    def urgency_label(self) -> str:
        return URGENCIES[self.urgency]

    @property
    def asset_label(self) -> str:
        if self.asset is not None:
            return self.asset.label
        return self.asset_description or "No asset named"


class ServiceRequestDraft(Base):
    """The state of one person's unfinished request form for one customer, kept on the server."""

    __tablename__ = "service_request_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    # Random, carried by the form: the request it becomes records it (see ServiceRequest).
    token: Mapped[str] = mapped_column(String(43), default=new_draft_token)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="SET NULL"))
    asset_not_listed: Mapped[bool] = mapped_column(default=False)
    asset_description: Mapped[str] = mapped_column(Text, default="")
    desired_date: Mapped[date | None]
    urgency: Mapped[str] = mapped_column(String(10), default="routine")
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("contact_id", "customer_id"),)
