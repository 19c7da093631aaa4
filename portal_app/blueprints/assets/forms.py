"""Forms of assets and locations, shared by the portal and the staff console."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal_app.web.forms import OwnChoiceField, SearchForm, single_line, strip


def location_choices(locations, empty: str = "No location") -> list[tuple[str, str]]:
    return [("", empty)] + [(str(location.id), location.name) for location in locations]


class AssetForm(FlaskForm):
    unit_number = StringField("Unit Number", filters=[strip], validators=[
        DataRequired("Enter the Unit Number: the number painted on the unit or used in your "
                     "fleet list."), Length(max=40), single_line])
    vin_serial = StringField("VIN or serial", filters=[strip], validators=[
        Optional(), Length(max=40), single_line])
    make = StringField("Make", filters=[strip], validators=[Optional(), Length(max=60),
                                                            single_line])
    model = StringField("Model", filters=[strip], validators=[Optional(), Length(max=60),
                                                              single_line])
    year = IntegerField("Year", validators=[
        Optional(), NumberRange(1900, date.today().year + 2,
                                "Enter a year like 2019 (1900 to next year).")])
    location_id = OwnChoiceField("Location", coerce=str, choices=[],
                                 refusal="Choose one of your locations.")
    notes = TextAreaField("Notes", filters=[strip], validators=[Optional(), Length(max=2000)])

    def values(self) -> dict:
        """The fields as save_asset() takes them."""
        return {"unit_number": self.unit_number.data, "vin_serial": self.vin_serial.data or "",
                "make": self.make.data or "", "model": self.model.data or "",
                "year": self.year.data, "notes": self.notes.data or "",
                "location_id": int(self.location_id.data) if self.location_id.data else None}


class AssetSearchForm(SearchForm):
    location = SelectField("Location", coerce=str, choices=[], validate_choice=False)


class LocationForm(FlaskForm):
    name = StringField("Location name", filters=[strip], validators=[
        DataRequired("Enter a name for the location, e.g. “North yard”."), Length(max=120),
        single_line])
    address = TextAreaField("Address", filters=[strip], validators=[Optional(), Length(max=500)])
