"""The shop's clock: every date and time is shown in the shop's time zone, and "today" (due
dates, overdue, the earliest service date) is the shop's today, not UTC's."""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import g, has_app_context

from portal_app.models import Shop, utcnow


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | timezone:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """The IANA zones a shop may pick (Region/City names, no legacy aliases)."""
    return tuple(sorted(name for name in available_timezones()
                        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/",
                                                                 "right/", "US/"))))


def current_shop() -> Shop | None:
    """The shop of the request (or app context) running now, if any."""
    return g.get("shop") if has_app_context() else None


def zone(shop: Shop | None = None):
    shop = shop or current_shop()
    return _zone(shop.timezone) if shop is not None and shop.timezone else timezone.utc


def shop_today(shop: Shop | None = None) -> date:
    """Today in the shop's time zone (the current request's shop when none is given)."""
    return utcnow().astimezone(zone(shop)).date()


def local(value: datetime, shop: Shop | None = None) -> datetime:
    """A timestamp as the shop's wall clock reads it."""
    return value.astimezone(zone(shop))
