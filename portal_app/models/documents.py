"""What the documents a shop sends its customers have in common: the columns of a line
(invoices, estimates, work orders) and of an estimate or a work order (the customer it is for,
its number, the unit and location of the work)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, event, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal_app.models.base import Cents, Scaled, SearchKey, utcnow
from portal_app.services import pricing

if TYPE_CHECKING:
    from portal_app.models.asset import Asset
    from portal_app.models.customer import Customer, Location


class LineColumns:
    """A line of a document: its place, what it is (labour, parts or a fee), how many (two
    decimals: 1.5 hours), the price of one in cents, a discount in percent, whether it is taxed,
    and its amount (services.pricing.line_amount, kept by the listener below whenever the line
    is written, so every SQL sum adds stored amounts)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(8), default=pricing.DEFAULT_KIND,
                                      server_default=pricing.DEFAULT_KIND)
    quantity: Mapped[Decimal] = mapped_column("quantity_x100", Scaled(100),
                                              default=Decimal(1))
    unit_price_cents: Mapped[Cents]
    discount: Mapped[Decimal] = mapped_column("discount_x100", Scaled(100), default=Decimal(0),
                                              server_default="0")
    taxable: Mapped[bool] = mapped_column(default=False, server_default=false())
    amount_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")

    @classmethod
    def line_checks(cls) -> tuple:
        return (CheckConstraint("quantity_x100 > 0", name="quantity_positive"),
                CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
                CheckConstraint("discount_x100 >= 0 AND discount_x100 <= 10000",
                                name="discount_percent"),
                CheckConstraint("kind IN ('labour', 'parts', 'fee')", name="kind_known"))

    def priced(self) -> dict:
        """The line's pricing as snapshots and approvals keep it (JSON: decimals as text)."""
        return {"kind": self.kind, "quantity": pricing.plain(self.quantity),
                "unit_price_cents": self.unit_price_cents,
                "discount": pricing.plain(self.discount or 0), "taxable": bool(self.taxable),
                "amount_cents": pricing.line_amount(self.quantity, self.unit_price_cents,
                                                    self.discount or 0)}


@event.listens_for(LineColumns, "before_insert", propagate=True)
@event.listens_for(LineColumns, "before_update", propagate=True)
def _keep_amount(mapper, connection, line) -> None:
    line.amount_cents = pricing.line_amount(line.quantity, line.unit_price_cents,
                                            line.discount or 0)


class TaxedDocument:
    """The tax a document charges, stored on it: the shop's tax name and rate and the
    customer's exemption, copied while it is a draft (every save) and kept from the moment it is
    sent or issued, so a later change of rate never changes what a customer approved or was
    billed (services.pricing.fix_tax)."""

    tax_name: Mapped[str] = mapped_column(String(40), default="", server_default="")
    tax_rate: Mapped[Decimal | None] = mapped_column("tax_rate_x1000", Scaled(1000))
    tax_exempt: Mapped[bool] = mapped_column(default=False, server_default=false())
    tax_exempt_number: Mapped[str] = mapped_column(String(60), default="", server_default="")

    @property
    def tax(self) -> pricing.Tax:
        return pricing.Tax(self.tax_name or "", self.tax_rate, bool(self.tax_exempt),
                           self.tax_exempt_number or "")


class WorkDocument(TaxedDocument):
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

    @property
    def totals(self) -> pricing.Totals:
        """Subtotal, tax and total of the lines the document counts, at the stored rate: each
        model's counted() gives their sum and the sum of the taxable ones (an estimate's
        required lines, a work order's approved ones)."""
        subtotal, taxable = self.counted()
        tax = self.tax
        return pricing.Totals(subtotal, taxable, tax.on(taxable), tax)

    @property
    def total_cents(self) -> int:
        return self.totals.total_cents

    @declared_attr
    def customer(cls) -> Mapped[Customer]:
        return relationship("Customer")

    @declared_attr
    def location(cls) -> Mapped[Location | None]:
        return relationship("Location")

    @declared_attr
    def asset(cls) -> Mapped[Asset | None]:
        return relationship("Asset")
