"""Invoices, their lines and payments, the shop's payment settings and processed Stripe events.

Money is integer cents. An invoice stores its balances (total, paid, processing, amount due) and
its status, derived from its lines and payments and written by exactly one function,
services.invoice_balances.recompute(), in the transaction of every change to those lines and
payments; lists, filters and dashboards read these plain, indexed columns. Overdue is not
stored: it is the stored status "unpaid" with a due date before today.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (CheckConstraint, ColumnElement, ForeignKey, Index, String, Text,
                        UniqueConstraint, event, false, inspect, or_)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, Cents, SearchKey, keeps_key, utcnow
from portal_app.services import pricing
from portal_app.models.documents import LineColumns, TaxedDocument

if TYPE_CHECKING:
    from portal_app.models.asset import Asset
    from portal_app.models.customer import Customer, Location
    from portal_app.models.work_order import WorkOrder
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


class InvoiceLine(LineColumns, Base):
    __tablename__ = "invoice_line"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), index=True)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    __table_args__ = LineColumns.line_checks()


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
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[Cents]
    refunded_cents: Mapped[Cents] = mapped_column(default=0)
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
        # The staff dashboard's "bank payments processing for over a week".
        Index("ix_payment_shop_id_status_updated_at", "shop_id", "status", "updated_at"),
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


class Invoice(TaxedDocument, Base):
    __tablename__ = "invoice"

    LIFECYCLE = ("draft", "open", "void")
    # The stored status (written by invoice_balances.recompute()); overdue is derived from it.
    STATUSES = ("draft", "unpaid", "processing", "paid", "void")
    BALANCE_COLUMNS = ("total_cents", "tax_cents", "paid_cents", "processing_cents",
                       "amount_due_cents", "status")

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(30))
    number_key: Mapped[str] = mapped_column(  # search_key(number), kept by a listener
        SearchKey(30), default="", server_default="")
    asset_id: Mapped[int | None] = mapped_column(  # the unit the work was on, if one
        ForeignKey("asset.id", ondelete="SET NULL"), index=True)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"))
    work_order_id: Mapped[int | None] = mapped_column(  # the work order it bills, once
        ForeignKey("work_order.id", ondelete="SET NULL"), unique=True)
    po_number: Mapped[str | None] = mapped_column(String(200))
    # The lifecycle staff move it through (issue, void): an input of the status below.
    state: Mapped[str] = mapped_column(String(8), default="draft")
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    issued_on: Mapped[date | None]
    due_on: Mapped[date | None]
    memo: Mapped[str | None] = mapped_column(Text)
    void_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Stored balances: written only by services.invoice_balances.recompute() (assigning them
    # anywhere else raises, see the listener below), checked by `flask invoices check`.
    total_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")  # tax included
    tax_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")
    paid_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")  # succeeded, net
    processing_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")  # ACH in flight
    amount_due_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")

    shop: Mapped[Shop] = relationship()
    customer: Mapped[Customer] = relationship()
    asset: Mapped[Asset | None] = relationship()
    location: Mapped[Location | None] = relationship()
    work_order: Mapped[WorkOrder | None] = relationship(back_populates="invoice")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position, InvoiceLine.id",
        cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", order_by="Payment.created_at, Payment.id",
        cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("shop_id", "number"),
        Index("ix_invoice_shop_id_id", "shop_id", "id"),  # the console's list, newest first
        Index("ix_invoice_customer_id_issued_on", "customer_id", "issued_on", "id"),  # portal
        # Every status filter reads one of these in the list's order; overdue lists are in
        # due-date order (most overdue first), a range of the due-date ones.
        Index("ix_invoice_shop_id_status_id", "shop_id", "status", "id"),
        Index("ix_invoice_shop_id_status_due_on", "shop_id", "status", "due_on", "id"),
        Index("ix_invoice_customer_id_status_issued_on", "customer_id", "status", "issued_on",
              "id"),
        Index("ix_invoice_customer_id_status_due_on", "customer_id", "status", "due_on", "id"),
        # A customer's overdue invoices with the shop in the WHERE clause too (every scoped
        # query has it): led by both, PostgreSQL's planner takes it over the shop's index, which
        # it would walk past the shop's other customers' rows.
        Index("ix_invoice_shop_id_customer_id_status_due_on", "shop_id", "customer_id", "status",
              "due_on", "id"),
        Index("ix_invoice_customer_id_id", "customer_id", "id"),  # one customer's, in the console
        Index("ix_invoice_shop_id_number_key", "shop_id", "number_key"),  # search by number
        CheckConstraint("state IN ('draft', 'open', 'void')", name="state_known"),
        CheckConstraint("status IN ('draft', 'unpaid', 'processing', 'paid', 'void')",
                        name="status_known"),
        CheckConstraint("amount_due_cents = CASE WHEN total_cents > paid_cents "
                        "THEN total_cents - paid_cents ELSE 0 END", name="amount_due_follows"),
    )

    @property
    def totals(self) -> pricing.Totals:
        """Subtotal, tax and total as stored (recompute() wrote them from the lines)."""
        return pricing.Totals(self.total_cents - self.tax_cents, 0, self.tax_cents, self.tax)

    @property
    def owed_cents(self) -> int:
        """What the invoice asks the customer to pay: its amount due, and nothing once it is
        void. (The stored amount due stays the total less what was paid, as the database's
        check says, whatever the lifecycle: a void invoice is in no open total anyway.)"""
        return 0 if self.state == "void" else self.amount_due_cents

    @property
    def payable_cents(self) -> int:
        """What may still be paid online: the amount due less bank payments in flight."""
        return max(self.amount_due_cents - self.processing_cents, 0)

    @classmethod
    def hidden_from_customers(cls):
        """Drafts are the shop's until issued (the portal's lists and pages never show them)."""
        return cls.state == "draft"

    def status_on(self, today: date) -> str:
        """The customer-facing status: draft, void, paid, processing, overdue or unpaid.
        Overdue is the stored "unpaid" past its due date (status_is() is the same in SQL)."""
        if self.status == "unpaid" and self.due_on is not None and self.due_on < today:
            return "overdue"
        return self.status

    @classmethod
    def status_is(cls, status: str, today: date) -> ColumnElement[bool]:
        """status_on(today) == status, in SQL, on the stored columns (an index serves it)."""
        if status == "overdue":
            return (cls.status == "unpaid") & (cls.due_on < today)
        if status == "unpaid":
            return (cls.status == "unpaid") & or_(cls.due_on.is_(None), cls.due_on >= today)
        if status in cls.STATUSES:
            return cls.status == status
        return false()


def _written_only_by_recompute(target, value, oldvalue, initiator):
    raise AttributeError(
        f"Invoice.{initiator.key} is a stored balance: only "
        "services.invoice_balances.recompute() writes it (change the lines or payments, then "
        "call recompute)")


def _fixed_once_issued(target, value, oldvalue, initiator):
    """An issued invoice keeps its customer and due date: the open-invoice totals count it
    under them (only drafts are edited; void and issue a new one instead)."""
    if inspect(target).persistent and target.state != "draft" and value != oldvalue:
        raise AttributeError(f"Invoice.{initiator.key} cannot change once the invoice is issued")


for _column in Invoice.BALANCE_COLUMNS:
    event.listen(getattr(Invoice, _column), "set", _written_only_by_recompute)
for _column in ("customer_id", "due_on"):
    event.listen(getattr(Invoice, _column), "set", _fixed_once_issued)
keeps_key(Invoice.number, "number_key")


NO_DUE_DATE = date(9999, 12, 31)  # the due date open-invoice totals count "no due date" under


class ShopInvoiceTotal(Base):
    """The shop's open invoices (unpaid, processing) per status and due date: how many and the
    amount due. Written with the invoices' stored balances by invoice_balances.recompute(), so
    the staff dashboard adds up a few rows per due date instead of every open invoice; overdue
    is the unpaid rows due before today."""

    __tablename__ = "shop_invoice_total"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"),
                                         primary_key=True)
    status: Mapped[str] = mapped_column(String(10), primary_key=True)
    due_on: Mapped[date] = mapped_column(primary_key=True)
    invoices: Mapped[int] = mapped_column(default=0)
    amount_due_cents: Mapped[Cents] = mapped_column(default=0)


class CustomerInvoiceTotal(Base):
    """The same per customer, for the portal dashboard."""

    __tablename__ = "customer_invoice_total"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"),
                                             primary_key=True)
    status: Mapped[str] = mapped_column(String(10), primary_key=True)
    due_on: Mapped[date] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    invoices: Mapped[int] = mapped_column(default=0)
    amount_due_cents: Mapped[Cents] = mapped_column(default=0)


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
