"""A customer's units (Asset): the Unit Number is required and unique per customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, SearchKey, keeps_key, search_key, utcnow
from portal_app.models.customer import Customer, Location


def unit_number_key(unit_number: str) -> str:
    """Return the form two Unit Numbers are compared in: trimmed and case-insensitive."""
    return search_key(unit_number)


class Asset(Base):
    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"), index=True)
    unit_number: Mapped[str] = mapped_column(String(40))
    unit_number_key: Mapped[str] = mapped_column(SearchKey(40))
    vin_serial: Mapped[str] = mapped_column(String(40), default="")
    make: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(60), default="")
    # search_key() of make and model, kept by the listeners below (prefix search)
    make_key: Mapped[str] = mapped_column(SearchKey(60), default="", server_default="")
    model_key: Mapped[str] = mapped_column(SearchKey(60), default="", server_default="")
    year: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
    location: Mapped[Location | None] = relationship()

    __table_args__ = (
        UniqueConstraint("customer_id", "unit_number_key"),
        # The list in its order (and its count, from the index alone), one location's units,
        # and the three searchable columns, each within the customer's current (or archived)
        # units.
        Index("ix_asset_shop_id_customer_id_archived_unit_number_key", "shop_id",
              "customer_id", "archived", "unit_number_key"),
        Index("ix_asset_customer_id_location_id_archived_unit_number_key", "customer_id",
              "location_id", "archived", "unit_number_key"),
        Index("ix_asset_customer_id_archived_make_key", "customer_id", "archived", "make_key"),
        Index("ix_asset_customer_id_archived_model_key", "customer_id", "archived",
              "model_key"),
    )

    @property
    def label(self) -> str:
        """Unit Number with make and model, as people name a unit."""
        rest = " ".join(part for part in (self.make, self.model) if part)
        return f"{self.unit_number} · {rest}" if rest else self.unit_number


keeps_key(Asset.make, "make_key")
keeps_key(Asset.model, "model_key")
