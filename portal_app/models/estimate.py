"""Estimates, their lines, a snapshot of every version sent to the customer, and approvals.

Money is integer cents. Only the lifecycle is stored (draft, sent, approved, partially
approved, declined, converted); "expired" follows from the valid-until date, like an invoice's
overdue, so nothing has to run at midnight.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (JSON, BigInteger, CheckConstraint, ColumnElement, ForeignKey, Index,
                        String, Text, UniqueConstraint, and_, cast, func, or_, select)
from sqlalchemy.orm import Mapped, column_property, foreign, mapped_column, relationship

from portal_app.models.base import Base, Cents, keeps_key, utcnow
from portal_app.services import pricing
from portal_app.models.documents import LineColumns, WorkDocument

if TYPE_CHECKING:
    from portal_app.models.customer import Contact
    from portal_app.models.work_order import WorkOrder


# Status labels as each audience reads them (customers are asked; staff wait).
ESTIMATE_LABELS = {
    "portal": {"sent": "Waiting for your approval", "approved": "Approved",
               "partially_approved": "Partially approved", "declined": "Declined",
               "expired": "Expired", "converted": "Work order created"},
    "console": {"draft": "Draft", "sent": "Waiting for approval", "approved": "Approved",
                "partially_approved": "Partially approved", "declined": "Declined",
                "expired": "Expired", "converted": "Converted"},
}


class EstimateLine(LineColumns, Base):
    __tablename__ = "estimate_line"

    estimate_id: Mapped[int] = mapped_column(
        ForeignKey("estimate.id", ondelete="CASCADE"), index=True)
    optional: Mapped[bool] = mapped_column(default=False)

    estimate: Mapped[Estimate] = relationship(back_populates="lines")

    __table_args__ = LineColumns.line_checks()

    def snapshot(self) -> dict:
        """The line as a version keeps it."""
        return {"line_id": self.id, "description": self.description, **self.priced(),
                "optional": self.optional}


class EstimateVersion(Base):
    """What the customer was sent as version N: lines, valid-until and note, frozen."""

    __tablename__ = "estimate_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    estimate_id: Mapped[int] = mapped_column(ForeignKey("estimate.id", ondelete="CASCADE"))
    version: Mapped[int]
    lines: Mapped[list] = mapped_column(JSON)
    valid_until: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[list] = mapped_column(JSON, default=list)  # from the previous version
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("estimate_id", "version"),)


class Estimate(WorkDocument, Base):
    __tablename__ = "estimate"

    DRAFT, SENT, APPROVED, PARTIAL, DECLINED, CONVERTED = (
        "draft", "sent", "approved", "partially_approved", "declined", "converted")
    EXPIRED = "expired"  # derived: sent and past its valid-until date
    EDITABLE = (DRAFT, SENT, DECLINED)  # a declined estimate may be revised and sent again
    CONVERTIBLE = (APPROVED, PARTIAL)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    version: Mapped[int] = mapped_column(default=0)  # 0 until sent; +1 on every sent change
    valid_until: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    submission_key: Mapped[str | None] = mapped_column(String(64))  # one draft per form

    lines: Mapped[list[EstimateLine]] = relationship(
        back_populates="estimate", order_by="EstimateLine.position, EstimateLine.id",
        cascade="all, delete-orphan")
    current: Mapped[EstimateVersion | None] = relationship(
        primaryjoin=lambda: and_(foreign(EstimateVersion.estimate_id) == Estimate.id,
                                 EstimateVersion.version == Estimate.version),
        viewonly=True, uselist=False)
    approvals: Mapped[list[Approval]] = relationship(
        order_by="Approval.version", viewonly=True,
        primaryjoin="foreign(Approval.estimate_id) == Estimate.id")
    work_order: Mapped[WorkOrder | None] = relationship(
        viewonly=True, uselist=False,
        primaryjoin="foreign(WorkOrder.estimate_id) == Estimate.id")

    __table_args__ = (
        UniqueConstraint("shop_id", "number"),
        UniqueConstraint("shop_id", "submission_key"),
        Index("ix_estimate_shop_id_status", "shop_id", "status"),
        Index("ix_estimate_customer_id_status", "customer_id", "status"),
        # The portal's list (what waits first, newest first) and the dashboard's count of what
        # waits, from the index alone; search by number.
        Index("ix_estimate_customer_id_status_id", "customer_id", "status", "id", "valid_until",
              "shop_id"),
        Index("ix_estimate_shop_id_number_key", "shop_id", "number_key"),
        # The health check "estimates waiting over 14 days" (a range on updated_at).
        Index("ix_estimate_shop_id_status_updated_at", "shop_id", "status", "updated_at"),
        CheckConstraint("status IN ('draft', 'sent', 'approved', 'partially_approved', "
                        "'declined', 'converted')", name="status_known"),
        CheckConstraint("version >= 0", name="version_not_negative"),
    )

    required_cents: Mapped[int] = column_property(
        select(cast(func.coalesce(func.sum(EstimateLine.amount_cents), 0), BigInteger))
        .where(EstimateLine.estimate_id == id, EstimateLine.optional.is_(False))
        .correlate_except(EstimateLine).scalar_subquery(), deferred=False)
    required_taxable_cents: Mapped[int] = column_property(
        select(cast(func.coalesce(func.sum(EstimateLine.amount_cents), 0), BigInteger))
        .where(EstimateLine.estimate_id == id, EstimateLine.optional.is_(False),
               EstimateLine.taxable.is_(True))
        .correlate_except(EstimateLine).scalar_subquery(), deferred=False)
    optional_cents: Mapped[int] = column_property(
        select(cast(func.coalesce(func.sum(EstimateLine.amount_cents), 0), BigInteger))
        .where(EstimateLine.estimate_id == id, EstimateLine.optional.is_(True))
        .correlate_except(EstimateLine).scalar_subquery(), deferred=False)

    @classmethod
    def hidden_from_customers(cls):
        """Drafts are the shop's until sent."""
        return cls.status == cls.DRAFT

    @classmethod
    def waits(cls, today: date) -> ColumnElement[bool]:
        """Sent and not past its valid-until date: what the customer still has to decide."""
        return and_(cls.status == cls.SENT,
                    or_(cls.valid_until.is_(None), cls.valid_until >= today))

    @classmethod
    def status_is(cls, status: str, today: date) -> ColumnElement[bool]:
        """status_on(today) == status, in SQL."""
        if status == cls.SENT:
            return cls.waits(today)
        if status == cls.EXPIRED:
            return and_(cls.status == cls.SENT, cls.valid_until < today)
        return cls.status == status

    def status_on(self, today: date) -> str:
        """The stored status, or "expired" for a sent estimate past its valid-until date."""
        if self.status == self.SENT and self.valid_until is not None and \
                self.valid_until < today:
            return self.EXPIRED
        return self.status

    def counted(self) -> tuple[int, int]:
        """The required lines (optional ones are the customer's choice): their sum and the sum
        of the taxable ones."""
        return self.required_cents, self.required_taxable_cents

    @property
    def decision(self) -> Approval | None:
        """The approval of the version now shown, if the customer decided it."""
        return next((a for a in self.approvals if a.version == self.version), None)


class Approval(Base):
    """A customer's decision on one version of an estimate, or on one round of additional work
    of a work order: who, when, from where, the typed name, and each line's decision. The
    unique constraints make a second decision of the same version impossible."""

    __tablename__ = "approval"

    APPROVED, PARTIAL, DECLINED = "approved", "partially_approved", "declined"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    estimate_id: Mapped[int | None] = mapped_column(
        ForeignKey("estimate.id", ondelete="CASCADE"))
    work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"))
    version: Mapped[int]  # the estimate's version, or the work order's approval round
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(20))
    signed_name: Mapped[str] = mapped_column(String(120))
    po_number: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)
    lines: Mapped[list] = mapped_column(JSON)  # the version's lines, each with its decision
    total_approved_cents: Mapped[Cents] = mapped_column(default=0)  # tax included
    tax_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")  # of the above
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact | None] = relationship()

    __table_args__ = (
        UniqueConstraint("estimate_id", "version"),
        UniqueConstraint("work_order_id", "version"),
        CheckConstraint("decision IN ('approved', 'partially_approved', 'declined')",
                        name="decision_known"),
        CheckConstraint("(CASE WHEN estimate_id IS NULL THEN 0 ELSE 1 END) + "
                        "(CASE WHEN work_order_id IS NULL THEN 0 ELSE 1 END) = 1",
                        name="one_document"),
    )

    def totals(self, tax: pricing.Tax) -> pricing.Totals:
        """Subtotal, tax and total of what was approved (`tax`: its document's)."""
        return pricing.Totals(self.total_approved_cents - self.tax_cents, 0, self.tax_cents, tax)

    @property
    def approved_lines(self) -> list[dict]:
        return [line for line in self.lines if line["decision"] == "approved"]


keeps_key(Estimate.number, "number_key")
