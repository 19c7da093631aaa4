"""Declarative base, constraint naming convention and column helpers shared by all models."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated

from sqlalchemy import BigInteger, DateTime, MetaData, String, TypeDecorator, event
from sqlalchemy.orm import DeclarativeBase, registry

# Money: integer cents, 64-bit in every column on every database (Mapped[Cents]).
Cents = Annotated[int, "cents"]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC (used as a callable column default)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Scaled(TypeDecorator):
    """An exact decimal kept as an integer: Scaled(100) stores 1.5 as 150 (quantities and
    discounts, two decimals), Scaled(1000) stores 8.25 as 8250 (tax rates, three decimals).
    Exact on SQLite too, which has no decimal type."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(str(value)) * self.scale
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more decimals than 1/{self.scale}")
        return int(scaled)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value) / self.scale


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), Cents: BigInteger()},
    )


def search_key(text: str | None) -> str:
    """The form text is searched and compared in: spaces collapsed, case folded."""
    return " ".join((text or "").split()).casefold()


def SearchKey(length: int):  # noqa: N802 - a column type, named like one
    """A normalized key column (search_key()) for prefix search: compared in code-point order,
    SQLite's BINARY and PostgreSQL's COLLATE "C", so a prefix is an index range on both."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def keeps_key(attribute, key_name: str) -> None:
    """Keep the model's `key_name` column the search_key() of `attribute` whenever it is set."""

    def follow(target, value, oldvalue, initiator):
        setattr(target, key_name, search_key(value) if value is not None else None)

    event.listen(attribute, "set", follow)
