"""A customer's units (Asset): the Unit Number is required and unique per customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, utcnow
from portal_app.models.customer import Customer, Location


def unit_number_key(unit_number: str) -> str:
    """Return the form two Unit Numbers are compared in: trimmed and case-insensitive."""
    return " ".join(unit_number.split()).casefold()


class Asset(Base):
    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"), index=True
    )
    unit_number: Mapped[str] = mapped_column(String(40))
    unit_number_key: Mapped[str] = mapped_column(String(40))
    vin_serial: Mapped[str] = mapped_column(String(40), default="")
    make: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(60), default="")
    year: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
    location: Mapped[Location | None] = relationship()

    __table_args__ = (
        UniqueConstraint("customer_id", "unit_number_key"),
        Index("ix_asset_customer_id_archived", "customer_id", "archived"),
    )

    @property
    def label(self) -> str:
        """Unit Number with make and model, as people name a unit."""
        rest = " ".join(part for part in (self.make, self.model) if part)
        return f"{self.unit_number} · {rest}" if rest else self.unit_number
