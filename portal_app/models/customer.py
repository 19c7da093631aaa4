"""A shop's customers, the people at them (Contact) and their sites (Location)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, utcnow

if TYPE_CHECKING:
    from portal_app.models.portal_user import PortalUser
    from portal_app.models.shop import Shop


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(160))
    account_number: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shop: Mapped[Shop] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer", order_by="Contact.name", cascade="all, delete-orphan"
    )
    locations: Mapped[list[Location]] = relationship(
        back_populates="customer", order_by="Location.name", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_customer_shop_id_name", "shop_id", "name"),)


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    is_billing: Mapped[bool] = mapped_column(default=False)
    portal_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("portal_user.id", ondelete="SET NULL"), index=True
    )
    portal_disabled: Mapped[bool] = mapped_column(default=False)
    # When access was last cut (disabled): sessions that began before it never use this contact
    # again, even after it is enabled again.
    access_cut_at: Mapped[datetime | None]
    invited_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="contacts")
    shop: Mapped[Shop] = relationship()
    portal_user: Mapped[PortalUser | None] = relationship(back_populates="contacts")

    __table_args__ = (UniqueConstraint("customer_id", "email"),)

    @property
    def portal_state(self) -> str:
        """Return not_invited, invited, active or disabled."""
        if self.portal_disabled:
            return "disabled"
        if self.portal_user_id is not None and self.activated_at is not None:
            return "active"
        if self.invited_at is not None:
            return "invited"
        return "not_invited"


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="locations")
