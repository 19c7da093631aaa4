"""What the documents a shop sends its customers have in common: the columns of a line
(invoices, estimates, work orders) and of an estimate or a work order (the customer it is for,
its number, the unit and location of the work)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal_app.models.base import SearchKey, utcnow

if TYPE_CHECKING:
    from portal_app.models.asset import Asset
    from portal_app.models.customer import Customer, Location


class LineColumns:
    """A line of a document: its place, what it is, how many and the price of one, in cents."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_cents: Mapped[int]

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents


class WorkDocument:
    """An estimate or a work order: the shop's, for one of its customers, numbered per shop
    (with the number's search key, which keeps_key() follows), about a unit at a location.
    The class declares its own id: its column properties (totals) refer to it."""

    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20))
    number_key: Mapped[str] = mapped_column(  # search_key(number), kept by a listener
        SearchKey(20), default="", server_default="")
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"))
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("asset.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr
    def customer(cls) -> Mapped[Customer]:
        return relationship("Customer")

    @declared_attr
    def location(cls) -> Mapped[Location | None]:
        return relationship("Location")

    @declared_attr
    def asset(cls) -> Mapped[Asset | None]:
        return relationship("Asset")
