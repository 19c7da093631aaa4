"""The tenant (Shop) and the people who work there (StaffUser)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, Scaled, utcnow
from portal_app.services import pricing

DEFAULT_BRAND_COLOR = "#1f5f8b"
DEFAULT_TIMEZONE = "America/New_York"


class Shop(Base):
    __tablename__ = "shop"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    brand_color: Mapped[str] = mapped_column(String(7), default=DEFAULT_BRAND_COLOR)
    # Every date and time the portal shows is in this zone, and "today" (due dates, overdue,
    # the earliest service date) is the shop's today.
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    support_email: Mapped[str | None] = mapped_column(String(254))
    support_phone: Mapped[str | None] = mapped_column(String(40))
    # A small PNG or JPEG, re-encoded on upload; its hash names the URL it is served at.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_type: Mapped[str | None] = mapped_column(String(20))
    logo_hash: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What its documents print: where the shop is, where to send payments, when they are due.
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    billing_email: Mapped[str | None] = mapped_column(String(254))
    remit_to: Mapped[str] = mapped_column(Text, default="", server_default="")
    payment_terms_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # Sales tax: no rate means no tax; each kind of line starts taxable or not as set here.
    tax_name: Mapped[str] = mapped_column(String(40), default="Sales tax",
                                          server_default="Sales tax")
    tax_rate: Mapped[Decimal | None] = mapped_column("tax_rate_x1000", Scaled(1000))
    labour_taxable: Mapped[bool] = mapped_column(default=False, server_default=false())
    parts_taxable: Mapped[bool] = mapped_column(default=True, server_default=true())
    fee_taxable: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Invoice emails carry the invoice as a PDF attachment (Settings; on by default).
    attach_invoice_pdf: Mapped[bool] = mapped_column(default=True, server_default=true())

    staff: Mapped[list[StaffUser]] = relationship(back_populates="shop")

    __table_args__ = (
        CheckConstraint("length(brand_color) = 7", name="brand_color_hex"),
        CheckConstraint("tax_rate_x1000 IS NULL OR (tax_rate_x1000 >= 0 AND "
                        "tax_rate_x1000 <= 100000)", name="tax_rate_percent"),
    )

    def taxable_by_default(self, kind: str) -> bool:
        return bool(getattr(self, f"{kind}_taxable", pricing.DEFAULT_TAXABLE.get(kind, False)))


class StaffUser(Base):
    __tablename__ = "staff_user"

    ROLES = ("admin", "staff")
    ROLE_LABELS = {"admin": "Administrator", "staff": "Staff"}

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10), default="staff")
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None until invited ones accept
    active: Mapped[bool] = mapped_column(default=True)
    invited_at: Mapped[datetime | None]
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shop: Mapped[Shop] = relationship(back_populates="staff")

    __table_args__ = (CheckConstraint("role IN ('admin', 'staff')", name="role_known"),)

    # Flask-Login protocol: the id carries the session version, so bumping it ends every session.
    is_authenticated = True
    is_anonymous = False
    kind = "staff"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return self.ROLE_LABELS[self.role]

    @property
    def state(self) -> str:
        """invited (no password yet), active or deactivated."""
        if not self.active:
            return "deactivated"
        return "invited" if self.password_hash is None else "active"

    def get_id(self) -> str:
        return f"staff:{self.id}:{self.session_version}"
