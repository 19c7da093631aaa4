"""Work orders and their lines. A line added as additional work waits for the customer's
approval (pending) until they approve or decline it in the portal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (BigInteger, CheckConstraint, ColumnElement, ForeignKey, Index, String,
                        Text, UniqueConstraint, cast, func, select)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from portal_app.models.base import Base, keeps_key
from portal_app.models.documents import LineColumns, WorkDocument

if TYPE_CHECKING:
    from portal_app.models.estimate import Approval, Estimate
    from portal_app.models.invoice import Invoice
    from portal_app.models.service_request import ServiceRequest


WORK_ORDER_LABELS = {
    "portal": {"open": "Open", "in_progress": "In progress",
               "awaiting_approval": "Waiting for your approval", "completed": "Completed",
               "closed": "Closed"},
    "console": {"open": "Open", "in_progress": "In progress",
                "awaiting_approval": "Awaiting approval", "completed": "Completed",
                "closed": "Closed"},
}


class WorkOrderLine(LineColumns, Base):
    __tablename__ = "work_order_line"

    APPROVED, PENDING, DECLINED = "approved", "pending", "declined"

    work_order_id: Mapped[int] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    approval_state: Mapped[str] = mapped_column(String(10), default=APPROVED)
    approval_round: Mapped[int | None]  # the "Request approval" round that added it

    work_order: Mapped[WorkOrder] = relationship(back_populates="lines")

    __table_args__ = (
        *LineColumns.line_checks(),
        CheckConstraint("approval_state IN ('approved', 'pending', 'declined')",
                        name="approval_state_known"),
    )

    @property
    def optional(self) -> bool:
        """Additional work is opt-in, like an estimate's optional line."""
        return self.approval_state == self.PENDING

    def snapshot(self) -> dict:
        return {"line_id": self.id, "description": self.description, **self.priced(),
                "optional": True}


class WorkOrder(WorkDocument, Base):
    __tablename__ = "work_order"

    OPEN, IN_PROGRESS, AWAITING, COMPLETED, CLOSED = (
        "open", "in_progress", "awaiting_approval", "completed", "closed")
    STAFF_STATUSES = (OPEN, IN_PROGRESS, COMPLETED, CLOSED)  # awaiting: "Request approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    estimate_id: Mapped[int | None] = mapped_column(  # one work order per estimate
        ForeignKey("estimate.id", ondelete="SET NULL"), unique=True)
    service_request_id: Mapped[int | None] = mapped_column(  # and per service request
        ForeignKey("service_request.id", ondelete="SET NULL"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    description: Mapped[str] = mapped_column(Text, default="")
    approval_round: Mapped[int] = mapped_column(default=0)  # +1 on every "Request approval"
    approval_note: Mapped[str] = mapped_column(Text, default="")  # of the latest round
    # The status to go back to once the customer decided (open or in progress).
    resume_status: Mapped[str | None] = mapped_column(String(20))

    estimate: Mapped[Estimate | None] = relationship()
    service_request: Mapped[ServiceRequest | None] = relationship(
        back_populates="work_order")
    lines: Mapped[list[WorkOrderLine]] = relationship(
        back_populates="work_order", order_by="WorkOrderLine.position, WorkOrderLine.id",
        cascade="all, delete-orphan")
    approvals: Mapped[list[Approval]] = relationship(
        order_by="Approval.version", viewonly=True,
        primaryjoin="foreign(Approval.work_order_id) == WorkOrder.id")
    invoice: Mapped[Invoice | None] = relationship(back_populates="work_order", uselist=False)

    __table_args__ = (
        UniqueConstraint("shop_id", "number"),
        Index("ix_work_order_shop_id_status", "shop_id", "status"),
        Index("ix_work_order_customer_id_status", "customer_id", "status"),
        Index("ix_work_order_shop_id_number_key", "shop_id", "number_key"),  # search
        # The health check "additional work waiting over 7 days" (a range on updated_at).
        Index("ix_work_order_shop_id_status_updated_at", "shop_id", "status", "updated_at"),
        CheckConstraint("status IN ('open', 'in_progress', 'awaiting_approval', 'completed', "
                        "'closed')", name="status_known"),
    )

    approved_cents: Mapped[int] = column_property(
        select(cast(func.coalesce(func.sum(WorkOrderLine.amount_cents), 0), BigInteger))
        .where(WorkOrderLine.work_order_id == id, WorkOrderLine.approval_state == "approved")
        .correlate_except(WorkOrderLine).scalar_subquery(), deferred=False)
    approved_taxable_cents: Mapped[int] = column_property(
        select(cast(func.coalesce(func.sum(WorkOrderLine.amount_cents), 0), BigInteger))
        .where(WorkOrderLine.work_order_id == id, WorkOrderLine.approval_state == "approved",
               WorkOrderLine.taxable.is_(True))
        .correlate_except(WorkOrderLine).scalar_subquery(), deferred=False)

    @classmethod
    def waits(cls, today=None) -> ColumnElement[bool]:
        """Additional work awaiting the customer's approval."""
        return cls.status == cls.AWAITING

    @classmethod
    def status_is(cls, status: str, today=None) -> ColumnElement[bool]:
        return cls.status == status

    def counted(self) -> tuple[int, int]:
        """The approved lines: their sum and the sum of the taxable ones."""
        return self.approved_cents, self.approved_taxable_cents

    @property
    def pending_lines(self) -> list[WorkOrderLine]:
        return [line for line in self.lines if line.approval_state == WorkOrderLine.PENDING]

    @property
    def work_lines(self) -> list[WorkOrderLine]:
        """Approved and declined lines (declined additional work stays listed, struck out)."""
        return [line for line in self.lines if line.approval_state != WorkOrderLine.PENDING]


keeps_key(WorkOrder.number, "number_key")
