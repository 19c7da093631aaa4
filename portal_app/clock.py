"""The shop's clock: every date and time is shown in the shop's time zone, and "today" (due
dates, overdue, the earliest service date) is the shop's today, not UTC's."""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from portal_app.models import Shop, utcnow
from portal_app.data.tenancy import current_shop


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """The IANA zones a shop may pick (Region/City names, no legacy aliases): a fixed list read
    from the system's time zone files once."""
    return tuple(sorted(name for name in available_timezones()
                        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/",
                                                                 "right/", "US/"))))


def zone(shop: Shop | None = None) -> ZoneInfo | timezone:
    """The shop's time zone (the current request's shop when none is given); UTC without one."""
    shop = shop or current_shop()
    if shop is None or not shop.timezone:
        return timezone.utc
    try:
        return ZoneInfo(shop.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def today(shop: Shop | None = None) -> date:
    """Today in the shop's time zone (the current request's shop when none is given): due
    dates, overdue and the earliest service date are measured on it."""
    return utcnow().astimezone(zone(shop)).date()


def local(value: datetime, shop: Shop | None = None) -> datetime:
    """A timestamp as the shop's wall clock reads it."""
    return value.astimezone(zone(shop))
