"""Assets: saving one with a Unit Number that stays unique per customer."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from portal_app.extensions import db
from portal_app.models import Asset, unit_number_key

DUPLICATE_MESSAGE = "{customer} already has a unit numbered “{unit}”. Use another Unit Number."


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
