"""Invoices, their lines and payments, the shop's payment settings and processed Stripe events.

Money is integer cents. The total comes from the lines and the amount due from the total and
the payments: neither is stored, so there is exactly one source of truth for an invoice's state.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    case,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from portal_app.models.base import Base, utcnow

if TYPE_CHECKING:
    from portal_app.models.asset import Asset
    from portal_app.models.customer import Customer
    from portal_app.models.shop import Shop


class PaymentSettings(Base):
    """One row per shop: the connected Stripe account, its last known status, and switches."""

    __tablename__ = "payment_settings"

    # Stripe account states as staff read them (PAYMENTS.md "The shop's account status").
    STATES = ("not_connected", "active", "payouts_suspended", "restricted",
              "pending_verification", "rejected")

    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"),
                                         primary_key=True)
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    stripe_state: Mapped[str] = mapped_column(String(24), default="not_connected")
    stripe_disabled_reason: Mapped[str | None] = mapped_column(String(120))
    stripe_currently_due: Mapped[str | None] = mapped_column(Text)  # comma-separated
    stripe_current_deadline: Mapped[datetime | None]
    stripe_card_active: Mapped[bool] = mapped_column(default=False)
    stripe_ach_active: Mapped[bool] = mapped_column(default=False)
    stripe_checked_at: Mapped[datetime | None]
    bank_transfer_enabled: Mapped[bool] = mapped_column(default=False)
    invoice_notifications: Mapped[bool] = mapped_column(default=True)
    pay_instead_text: Mapped[str | None] = mapped_column(Text)

    shop: Mapped[Shop] = relationship()

    __table_args__ = (
        CheckConstraint(
            "stripe_state IN ('not_connected', 'active', 'payouts_suspended', 'restricted', "
            "'pending_verification', 'rejected')", name="stripe_state_known"),
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_cents: Mapped[int]

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents


class Payment(Base):
    """Money towards one invoice: recorded by staff, or a Stripe Checkout attempt.

    A Stripe attempt starts `pending` (session created), becomes `processing` (ACH submitted)
    and ends `succeeded` or `failed`; an abandoned session ends `canceled`. Only succeeded
    payments, less refunds, reduce the amount due.
    """

    __tablename__ = "payment"

    METHODS = {"card": "Card", "ach": "Bank transfer (ACH)", "check": "Check", "cash": "Cash",
               "transfer": "Bank transfer", "other": "Other"}
    MANUAL_METHODS = ("check", "cash", "transfer", "card", "other")
    STATUSES = ("pending", "processing", "succeeded", "failed", "canceled")

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int]
    refunded_cents: Mapped[int] = mapped_column(default=0)
    method: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    reference: Mapped[str | None] = mapped_column(String(120))
    paid_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(  # who paid in the portal: gets the receipt
        ForeignKey("contact.id", ondelete="SET NULL"))
    # The connected account the Checkout Session was created on: events, the return page and
    # sync ask that account, also after the shop connects another one.
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255), index=True)
    stripe_checkout_url: Mapped[str | None] = mapped_column(Text)
    stripe_checkout_expires_at: Mapped[datetime | None]
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    failure_code: Mapped[str | None] = mapped_column(String(80))
    failure_message: Mapped[str | None] = mapped_column(String(500))
    disputed: Mapped[bool] = mapped_column(default=False)
    receipt_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("refunded_cents >= 0 AND refunded_cents <= amount_cents",
                        name="refund_within_amount"),
        CheckConstraint("method IN ('card', 'ach', 'check', 'cash', 'transfer', 'other')",
                        name="method_known"),
        CheckConstraint("status IN ('pending', 'processing', 'succeeded', 'failed', 'canceled')",
                        name="status_known"),
        # One payment per invoice per Checkout Session: a double click cannot make two.
        UniqueConstraint("invoice_id", "stripe_checkout_session_id",
                         name="uq_payment_invoice_session"),
    )

    @property
    def method_label(self) -> str:
        return self.METHODS[self.method]

    @property
    def via_stripe(self) -> bool:
        return self.stripe_checkout_session_id is not None

    @property
    def net_cents(self) -> int:
        return self.amount_cents - self.refunded_cents


class Invoice(Base):
    __tablename__ = "invoice"

    LIFECYCLE = ("draft", "open", "void")

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(30))
    asset_id: Mapped[int | None] = mapped_column(  # the unit the work was on, if one
        ForeignKey("asset.id", ondelete="SET NULL"), index=True)
    # Only the lifecycle is stored; paid and processing follow from the payments.
    state: Mapped[str] = mapped_column(String(8), default="draft")
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    issued_on: Mapped[date | None]
    due_on: Mapped[date | None]
    memo: Mapped[str | None] = mapped_column(Text)
    void_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    shop: Mapped[Shop] = relationship()
    customer: Mapped[Customer] = relationship()
    asset: Mapped[Asset | None] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position, InvoiceLine.id",
        cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", order_by="Payment.created_at, Payment.id",
        cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("shop_id", "number"),
        Index("ix_invoice_shop_id_state_due_on", "shop_id", "state", "due_on"),
        Index("ix_invoice_shop_id_id", "shop_id", "id"),  # the console's list, newest first
        Index("ix_invoice_customer_id_issued_on", "customer_id", "issued_on", "id"),  # portal
        CheckConstraint("state IN ('draft', 'open', 'void')", name="state_known"),
    )

    # Derived money, computed by the database in the same SELECT as the invoice (no N+1).
    total_cents: Mapped[int] = column_property(
        select(func.coalesce(func.sum(InvoiceLine.quantity * InvoiceLine.unit_price_cents), 0))
        .where(InvoiceLine.invoice_id == id).correlate_except(InvoiceLine).scalar_subquery(),
        deferred=False)
    paid_cents: Mapped[int] = column_property(
        select(func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0))
        .where(Payment.invoice_id == id, Payment.status == "succeeded")
        .correlate_except(Payment).scalar_subquery(),
        deferred=False)
    processing_cents: Mapped[int] = column_property(
        select(func.coalesce(func.sum(Payment.amount_cents), 0))
        .where(Payment.invoice_id == id, Payment.status == "processing")
        .correlate_except(Payment).scalar_subquery(),
        deferred=False)

    @property
    def amount_due_cents(self) -> int:
        return max(self.total_cents - self.paid_cents, 0)

    @property
    def payable_cents(self) -> int:
        """What may still be paid online: the amount due less bank payments in flight."""
        return max(self.amount_due_cents - self.processing_cents, 0)

    def status_on(self, today: date) -> str:
        """The customer-facing status: draft, void, paid, processing, overdue or unpaid
        (status_case() below is the same rule in SQL, for lists filtered by status)."""
        if self.state in ("draft", "void"):
            return self.state
        if self.total_cents > 0 and self.amount_due_cents == 0:
            return "paid"
        if self.processing_cents > 0 and self.processing_cents >= self.amount_due_cents:
            return "processing"
        if self.due_on is not None and self.due_on < today:
            return "overdue"
        return "unpaid"


def status_case(state, due_on, total, paid, processing, today: date):
    """Invoice.status_on() in SQL, over any columns holding those values."""
    due = total - paid
    return case(
        (state == "draft", "draft"),
        (state == "void", "void"),
        ((total > 0) & (due <= 0), "paid"),
        ((processing > 0) & (processing >= due), "processing"),
        ((due_on.is_not(None)) & (due_on < today), "overdue"),
        else_="unpaid",
    )


class StripeEvent(Base):
    """A webhook event already applied: the primary key makes a second delivery a no-op."""

    __tablename__ = "stripe_event"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    account: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


STATUS_LABELS = {"draft": "Draft", "unpaid": "Unpaid", "overdue": "Overdue",
                 "processing": "Processing", "paid": "Paid", "void": "Void"}
