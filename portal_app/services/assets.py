"""Assets: saving one with a Unit Number that stays unique per customer, and telling a second
post of the same add-asset form (a double click, a second tab) from a real duplicate."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from portal_app.extensions import db
from portal_app.models import Asset, unit_number_key, utcnow

DUPLICATE_MESSAGE = "{customer} already has a unit numbered “{unit}”. Use another Unit Number."
# A post of the add-asset form that finds the very same asset added this recently is taken
# for a repeat of the post that added it (a double click, a second tab), not a duplicate.
REPEAT_WINDOW = timedelta(minutes=10)


class DuplicateUnitNumber(Exception):
    """Another asset of the same customer has this Unit Number (trimmed, any case)."""


def unit_number_taken(customer_id: int, unit_number: str, *, except_asset_id: int | None = None
                      ) -> bool:
    """True when another asset of the customer already uses this Unit Number."""
    query = select(Asset.id).where(Asset.customer_id == customer_id,
                                   Asset.unit_number_key == unit_number_key(unit_number))
    if except_asset_id is not None:
        query = query.where(Asset.id != except_asset_id)
    return db.session.scalar(select(exists(query))) or False


def save_asset(asset: Asset, *, unit_number: str, vin_serial: str, make: str, model: str,
               year: int | None, location_id: int | None, notes: str) -> Asset:
    """Set an asset's fields and flush; raise DuplicateUnitNumber when the database refuses it
    (two people saving the same Unit Number at once get past the form's check)."""
    asset.unit_number = " ".join(unit_number.split())
    asset.unit_number_key = unit_number_key(unit_number)
    asset.vin_serial, asset.make, asset.model = vin_serial, make, model
    asset.year, asset.location_id, asset.notes = year, location_id, notes
    if asset.id is None:
        db.session.add(asset)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DuplicateUnitNumber(asset.unit_number) from error
    return asset


def just_added(customer_id: int, *, unit_number: str, vin_serial: str, make: str, model: str,
               year: int | None, location_id: int | None, notes: str) -> Asset | None:
    """The customer's asset with this Unit Number when it was added within REPEAT_WINDOW with
    exactly these fields: what a second post of the same add-asset form finds (the first one
    added it). Anything else with the number taken is a duplicate, said at the field."""
    found = db.session.scalar(select(Asset).where(
        Asset.customer_id == customer_id, Asset.unit_number_key == unit_number_key(unit_number),
        Asset.created_at >= utcnow() - REPEAT_WINDOW))
    if found is None:
        return None
    same = (found.unit_number == " ".join(unit_number.split()) and
            (found.vin_serial, found.make, found.model, found.year, found.location_id,
             found.notes) == (vin_serial, make, model, year, location_id, notes))
    return found if same else None
