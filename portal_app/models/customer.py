"""A shop's customers, the people at them (Contact) and their sites (Location)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_app.models.base import Base, SearchKey, keeps_key, utcnow

if TYPE_CHECKING:
    from portal_app.models.portal_user import PortalUser
    from portal_app.models.shop import Shop


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(160))
    account_number: Mapped[str | None] = mapped_column(String(40))
    # search_key() of name and account number, kept by the listeners below (prefix search)
    name_key: Mapped[str] = mapped_column(SearchKey(160), default="", server_default="")
    account_number_key: Mapped[str | None] = mapped_column(SearchKey(40))
    billing_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    tax_exempt: Mapped[bool] = mapped_column(default=False, server_default=false())
    tax_exempt_number: Mapped[str] = mapped_column(String(60), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shop: Mapped[Shop] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer", order_by="Contact.name", cascade="all, delete-orphan"
    )
    locations: Mapped[list[Location]] = relationship(
        back_populates="customer", order_by="Location.name", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_customer_shop_id_name", "shop_id", "name"),
        Index("ix_customer_shop_id_name_key", "shop_id", "name_key"),
        Index("ix_customer_shop_id_account_number_key", "shop_id", "account_number_key"),
    )


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(SearchKey(254))  # normalized: trimmed, lower case
    name_key: Mapped[str] = mapped_column(SearchKey(120), default="", server_default="")
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

    __table_args__ = (
        UniqueConstraint("customer_id", "email"),
        Index("ix_contact_shop_id_email", "shop_id", "email"),
        Index("ix_contact_shop_id_name_key", "shop_id", "name_key"),
    )

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


keeps_key(Customer.name, "name_key")
keeps_key(Customer.account_number, "account_number_key")
keeps_key(Contact.name, "name_key")
