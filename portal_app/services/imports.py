"""CSV import for a shop's first day: customers with their contacts and locations, and assets.

A file is read once when it is uploaded (size, encoding, delimiter, header, number of rows:
`read_upload`), kept as text in ImportUpload, and planned from that text each time it is shown
or imported (`plan`): every row is new, update or error, matched against the shop's rows with
one query per table. `apply` writes a plan's valid rows with bulk INSERTs and UPDATEs; the view
commits once. Empty cells never erase what the shop already has.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import email_validator
from sqlalchemy import delete, insert, select, update

from portal_app.clock import today
from portal_app.extensions import db
from portal_app.models import (Asset, Contact, Customer, ImportUpload, Location, Shop,
                               unit_number_key, utcnow)
from portal_app.models.base import search_key

MAX_BYTES = 5 * 1024 * 1024  # the file itself
MAX_ROWS = 12_000  # 10,000 rows and room to spare
MAX_LINE_CHARS = 10_000  # a line of this import is a few hundred characters
MAX_COLUMNS = 40
KEEP_IMPORTED = timedelta(days=30)  # the invitation step reads the file after its import

COLUMNS = {
    "customers": ("customer_name", "account_number", "billing_address", "contact_name",
                  "contact_email", "contact_phone", "billing_contact", "location_name",
                  "location_address"),
    "assets": ("customer_name", "unit_number", "vin_or_serial", "make", "model", "year",
               "location_name"),
}
REQUIRED = {"customers": ("customer_name",), "assets": ("customer_name", "unit_number")}
KIND_LABELS = {"customers": "Customers, contacts and locations", "assets": "Assets (units)"}
# Other names people give these columns (after lower-casing, spaces and dashes as "_").
ALIASES = {
    "customers": {"customer": "customer_name", "company": "customer_name",
                  "company_name": "customer_name", "account": "account_number",
                  "email": "contact_email", "phone": "contact_phone",
                  "billing": "billing_contact", "location": "location_name"},
    "assets": {"customer": "customer_name", "company": "customer_name", "unit": "unit_number",
               "unit_no": "unit_number", "vin": "vin_or_serial", "serial": "vin_or_serial",
               "vin_serial": "vin_or_serial", "vin_or_serial_number": "vin_or_serial",
               "location": "location_name"},
}
TEMPLATE_ROWS = {
    "customers": [
        ("Acme Logistics", "ACME-001", "100 Harbor Way\nPortland, OR 97201", "Dana Ortiz",
         "dana@acme.example", "503-555-0142", "yes", "Main depot", "100 Harbor Way, Portland"),
        ("Acme Logistics", "", "", "Sam Lee", "sam@acme.example", "", "no", "North yard",
         "2200 N Marine Dr, Portland"),
        ("Birch Construction", "BIRCH-7", "8 Birch Rd, Salem, OR 97301", "Bea Birch",
         "bea@birch.example", "", "yes", "", ""),
    ],
    "assets": [
        ("Acme Logistics", "T-101", "1FUJGLDR7CLBP8834", "Freightliner", "Cascadia", "2019",
         "Main depot"),
        ("Acme Logistics", "T-102", "", "Kenworth", "T680", "2021", "North yard"),
        ("Birch Construction", "EX-3", "CAT0320GCJ5B01234", "Caterpillar", "320 GC", "2018", ""),
    ],
}
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_YEAR = re.compile(r"[0-9]{4}(\.0+)?")


class FileRefused(Exception):
    """The file cannot be imported at all; the message says why, next to the file field."""


# --- reading the file --------------------------------------------------------------------------

def _header_name(raw: str) -> str:
    return re.sub(r"[\s_\-]+", "_", raw.strip().lower()).strip("_")


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252 (Excel's "CSV" on Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise FileRefused("This is not a CSV text file (it holds binary data). Save it from "
                          "your spreadsheet as “CSV UTF-8” or “CSV (comma delimited)” and "
                          "upload that.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise FileRefused("The file's characters could not be read. Save it from your "
                          "spreadsheet as “CSV UTF-8” and upload that.") from None


def _delimiter(header_line: str) -> str:
    """Comma or semicolon (Excel in many European languages), whichever the header uses."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


@dataclass
class Sheet:
    """A file's rows as dicts of the kind's columns (absent columns are empty)."""

    rows: list[dict[str, str]]
    numbers: list[int]  # each row's number as a spreadsheet shows it (the header is row 1)
    ignored: list[str]  # columns of the file this import does not read
    delimiter: str


def read_sheet(text: str, kind: str) -> Sheet:
    """Parse the text, or raise FileRefused with what is wrong with the file as a whole."""
    if not text.strip():
        raise FileRefused("The file is empty. Fill in the template (the first line names the "
                          "columns) and upload it again.")
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise FileRefused(f"Line {number:,} is {len(line):,} characters long; a line of an "
                              f"import holds at most {MAX_LINE_CHARS:,}. Is this the right "
                              "file?")
    header_line = next(line for line in lines if line.strip())
    delimiter = _delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
        if len(header) > MAX_COLUMNS:
            raise FileRefused(f"The first line names {len(header):,} columns; this import "
                              f"reads at most {MAX_COLUMNS}. The first line must name the "
                              f"columns: {', '.join(COLUMNS[kind])}.")
        known, aliases = set(COLUMNS[kind]), ALIASES[kind]
        positions: dict[str, int] = {}
        ignored = []
        for position, raw in enumerate(header):
            name = _header_name(raw)
            name = aliases.get(name, name)
            if name in known and name not in positions:
                positions[name] = position
            elif raw.strip():
                ignored.append(raw.strip())
        missing = [name for name in REQUIRED[kind] if name not in positions]
        if missing:
            raise FileRefused(
                f"The file has no {' or '.join(missing)} column. The first line must name the "
                f"columns: {', '.join(COLUMNS[kind])} (see the template).")
        rows, numbers = [], []
        record = 1
        for cells in reader:
            record += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise FileRefused(f"The file has more than {MAX_ROWS:,} rows; one import "
                                  f"takes at most {MAX_ROWS:,}. Split it into smaller files "
                                  "and import them one after the other.")
            rows.append({name: cells[at] if at < len(cells) else ""
                         for name, at in positions.items()})
            numbers.append(record)
    except csv.Error as error:
        raise FileRefused(f"The file could not be read as CSV near line {reader.line_num:,} "
                          f"({error}). Check for a stray quote mark there.") from None
    except StopIteration:
        raise FileRefused("The file is empty. Fill in the template (the first line names the "
                          "columns) and upload it again.") from None
    if not rows:
        raise FileRefused("The file has a header line but no rows to import.")
    return Sheet(rows=rows, numbers=numbers, ignored=ignored, delimiter=delimiter)


def read_upload(data: bytes, kind: str) -> str:
    """Return the text of an uploaded file after checking it can be planned at all."""
    if len(data) > MAX_BYTES:
        raise FileRefused(too_large_message())
    if not data.strip():
        raise FileRefused("The file is empty. Fill in the template (the first line names the "
                          "columns) and upload it again.")
    text = _decode(data)
    read_sheet(text, kind)
    return text


def too_large_message() -> str:
    return (f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller "
            f"files (at most {MAX_ROWS:,} rows each) and import them one after the other.")


def template_rows(kind: str) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The template's header and example rows."""
    return COLUMNS[kind], TEMPLATE_ROWS[kind]


# --- uploads -----------------------------------------------------------------------------------

def keep_upload(shop: Shop, staff_id: int, kind: str, filename: str, text: str) -> ImportUpload:
    """Store an upload for its preview; it replaces the staff member's earlier uploads that were
    never imported, and imports older than a month are forgotten."""
    db.session.execute(delete(ImportUpload).where(
        ImportUpload.shop_id == shop.id, ImportUpload.staff_user_id == staff_id,
        ImportUpload.imported_at.is_(None)))
    db.session.execute(delete(ImportUpload).where(
        ImportUpload.shop_id == shop.id, ImportUpload.imported_at < utcnow() - KEEP_IMPORTED))
    upload = ImportUpload(shop_id=shop.id, staff_user_id=staff_id, kind=kind,
                          filename=(filename or "upload.csv")[-255:], content=text)
    db.session.add(upload)
    db.session.flush()
    return upload


def claim(upload: ImportUpload) -> bool:
    """Mark the upload imported, once: a conditional UPDATE, so of two Imports at once (a double
    click, two tabs) only one goes on; the other finds nothing to claim."""
    claimed = db.session.execute(
        update(ImportUpload)
        .where(ImportUpload.id == upload.id, ImportUpload.shop_id == upload.shop_id,
               ImportUpload.imported_at.is_(None))
        .values(imported_at=utcnow())
        .execution_options(synchronize_session=False))
    return claimed.rowcount == 1


# --- planning ----------------------------------------------------------------------------------

@dataclass
class Row:
    """One row of the file as the preview shows it."""

    number: int
    values: dict[str, str]
    status: str = "update"  # new, update or error
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    changes: list[str] = field(default_factory=list)  # what importing it does, in words

    def error(self, column: str, message: str) -> None:
        self.status = "error"
        self.errors.append((column, message))


@dataclass
class Plan:
    kind: str
    rows: list[Row]
    ignored: list[str]
    delimiter: str
    # what apply() writes
    new_customers: list[dict] = field(default_factory=list)
    customer_updates: dict[int, dict] = field(default_factory=dict)
    new_contacts: list[dict] = field(default_factory=list)
    contact_updates: dict[int, dict] = field(default_factory=dict)
    new_locations: list[dict] = field(default_factory=list)
    location_updates: dict[int, dict] = field(default_factory=dict)
    new_assets: list[dict] = field(default_factory=list)
    asset_updates: dict[int, dict] = field(default_factory=dict)
    # (customer id, or the new customer's index in new_customers; email) of every valid
    # contact row: the contacts "Invite imported contacts" is about
    contact_keys: list[tuple[int | str, str]] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(row.status for row in self.rows)

    @property
    def importable(self) -> int:
        return sum(1 for row in self.rows if row.status != "error")


def _line(row: Row, column: str, limit: int, *, required: str | None = None) -> str:
    """A single-line cell, trimmed with its spaces collapsed; its problem goes on the row."""
    value = " ".join(row.values.get(column, "").split())
    raw = row.values.get(column, "")
    if not value:
        if required:
            row.error(column, required)
        return ""
    if _CONTROL.search(raw.strip()):
        row.error(column, "Use a single line without line breaks or special characters.")
    elif len(value) > limit:
        row.error(column, f"Too long: {len(value):,} characters, at most {limit}.")
    return value


def _text(row: Row, column: str, limit: int) -> str:
    """A multi-line cell (an address): one kind of line break, each line trimmed."""
    raw = row.values.get(column, "")
    lines = [line.strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    value = "\n".join(lines).strip()
    if len(value) > limit:
        row.error(column, f"Too long: {len(value):,} characters, at most {limit}.")
    elif _CONTROL.search(value.replace("\n", "")):
        row.error(column, "Remove the special characters.")
    return value


def _email(row: Row, column: str) -> str:
    value = row.values.get(column, "").strip().lower()
    if not value:
        return ""
    if len(value) > 254:
        row.error(column, f"Too long: {len(value):,} characters, at most 254.")
        return value
    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError:
        row.error(column, f"“{value}” is not an email address like name@example.com.")
    return value


def _changes(current: dict, wanted: dict) -> dict:
    """The fields of `wanted` that are given (not empty) and differ from `current`."""
    return {name: value for name, value in wanted.items()
            if value not in ("", None) and current.get(name) != value}


def plan(shop: Shop, kind: str, text: str) -> Plan:
    """Read the text and decide, row by row, what importing it would do."""
    sheet = read_sheet(text, kind)
    rows = [Row(number=number, values=values)
            for number, values in zip(sheet.numbers, sheet.rows)]
    result = Plan(kind=kind, rows=rows, ignored=sheet.ignored, delimiter=sheet.delimiter)
    if kind == "customers":
        _plan_customers(shop, result)
    else:
        _plan_assets(shop, result)
    return result


def _plan_customers(shop: Shop, result: Plan) -> None:
    customers = {}  # name key -> (id, account_number, billing_address), the oldest of a name
    by_id = {}
    for row in db.session.execute(
            select(Customer.id, Customer.name, Customer.name_key, Customer.account_number,
                   Customer.billing_address)
            .where(Customer.shop_id == shop.id).order_by(Customer.id)):
        current = {"id": row.id, "name": row.name, "account_number": row.account_number,
                   "billing_address": row.billing_address}
        customers.setdefault(row.name_key, current)
        by_id[row.id] = current
    contacts, customers_of_email = {}, {}
    for row in db.session.execute(
            select(Contact.id, Contact.customer_id, Contact.email, Contact.name, Contact.phone,
                   Contact.is_billing).where(Contact.shop_id == shop.id).order_by(Contact.id)):
        contacts[(row.customer_id, row.email)] = {
            "id": row.id, "name": row.name, "phone": row.phone, "is_billing": row.is_billing}
        customers_of_email.setdefault(row.email, []).append(row.customer_id)
    locations = {}
    for row in db.session.execute(
            select(Location.id, Location.customer_id, Location.name, Location.address)
            .where(Location.shop_id == shop.id).order_by(Location.id)):
        locations.setdefault((row.customer_id, search_key(row.name)),
                             {"id": row.id, "name": row.name, "address": row.address})

    # First pass: each cell on its own, and the rows of each customer named in the file.
    cells = []
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(result.rows):
        name = _line(row, "customer_name", 160, required="Enter the customer's name.")
        value = {
            "name": name,
            "account_number": _line(row, "account_number", 40),
            "billing_address": _text(row, "billing_address", 500),
            "contact_name": _line(row, "contact_name", 120),
            "email": _email(row, "contact_email"),
            "phone": _line(row, "contact_phone", 40),
            "location_name": _line(row, "location_name", 120),
            "location_address": _text(row, "location_address", 500),
        }
        billing = row.values.get("billing_contact", "").strip().lower()
        value["is_billing"] = True if billing in YES else False if billing in NO else None
        if value["is_billing"] is None:
            row.error("billing_contact", "Write yes or no.")
        has_contact = any((value["contact_name"], value["email"], value["phone"],
                           value["is_billing"]))
        value["has_contact"] = has_contact
        if has_contact and not value["email"]:
            row.error("contact_email", "Enter the contact's email address.")
        if has_contact and not value["contact_name"]:
            row.error("contact_name", "Enter the contact's name.")
        if value["location_address"] and not value["location_name"]:
            row.error("location_name", "Name the location (e.g. Main depot).")
        cells.append(value)
        if name:
            groups.setdefault(search_key(name), []).append(index)

    # Second pass: which customer each name is (its name, else a contact's email), then each
    # row in file order against what the shop has and what earlier rows said.
    target_of: dict[str, int | str] = {}
    matched_by: dict[str, str] = {}
    for key, indexes in groups.items():
        if key in customers:
            target_of[key], matched_by[key] = customers[key]["id"], "name"
            continue
        owners = sorted({owner for i in indexes if cells[i]["email"]
                         for owner in customers_of_email.get(cells[i]["email"], [])})
        if owners:
            target_of[key], matched_by[key] = owners[0], "email"
        else:
            target_of[key] = f"new:{key}"

    new_index: dict[str, int] = {}  # "new:key" -> index in new_customers
    customer_said: dict[int | str, dict[str, tuple[str, int]]] = {}  # field -> (value, row)
    contact_rows: dict[tuple, int] = {}
    location_rows: dict[tuple, tuple[str, int]] = {}
    for row, value in zip(result.rows, cells):
        if not value["name"]:
            continue
        target = target_of[search_key(value["name"])]
        said = customer_said.setdefault(target, {})
        for name in ("account_number", "billing_address"):
            if value[name] and name in said and said[name][0] != value[name]:
                row.error(name, f"Row {said[name][1]} gives this customer another "
                                f"{name.replace('_', ' ')}.")
        email_key = (target, value["email"])
        if value["email"] and email_key in contact_rows:
            row.error("contact_email", f"Duplicate in the file: row {contact_rows[email_key]} "
                                       "has the same contact for this customer.")
        location_key = (target, search_key(value["location_name"]))
        if value["location_name"] and location_key in location_rows:
            earlier_address, earlier_row = location_rows[location_key]
            if value["location_address"] and earlier_address and \
                    value["location_address"] != earlier_address:
                row.error("location_address", f"Row {earlier_row} gives this location another "
                                              "address.")
        if row.status == "error":
            continue
        # The row is valid: it is imported; what does it create or change?
        for name in ("account_number", "billing_address"):
            if value[name]:
                said.setdefault(name, (value[name], row.number))
        if isinstance(target, str):
            if target not in new_index:
                new_index[target] = len(result.new_customers)
                result.new_customers.append({"name": value["name"], "account_number": "",
                                             "billing_address": ""})
                row.status = "new"
                row.changes.append(f"New customer {value['name']}")
            entry = result.new_customers[new_index[target]]
            for name in ("account_number", "billing_address"):
                if value[name] and not entry[name]:
                    entry[name] = value[name]
            owner = ("new", new_index[target])
        else:
            current = by_id[target]
            planned = result.customer_updates.get(target, {})
            changed = _changes({**current, **planned}, {
                "account_number": value["account_number"],
                "billing_address": value["billing_address"]})
            if changed:
                result.customer_updates.setdefault(target, {}).update(changed)
                row.changes.append(f"Updates {current['name']}: "
                                   + ", ".join(n.replace("_", " ") for n in changed))
            if matched_by[search_key(value["name"])] == "email" and not row.changes:
                row.changes.append(f"Matches {current['name']} by contact email")
            owner = ("id", target)
        if value["email"]:
            contact_rows[email_key] = row.number
            result.contact_keys.append((owner, value["email"]))
            existing = contacts.get((target, value["email"])) if owner[0] == "id" else None
            wanted = {"name": value["contact_name"], "phone": value["phone"],
                      "is_billing": value["is_billing"]}
            if existing is None:
                result.new_contacts.append({"owner": owner, "email": value["email"], **wanted})
                row.status = "new"
                row.changes.append(f"New contact {value['email']}")
            else:
                changed = _changes(existing, {**wanted, "is_billing": None})
                if value["is_billing"] != existing["is_billing"] and \
                        row.values.get("billing_contact", "").strip():
                    changed["is_billing"] = value["is_billing"]
                if changed:
                    result.contact_updates[existing["id"]] = {**existing, **changed}
                    row.changes.append(f"Updates contact {value['email']}: " + ", ".join(
                        "billing contact" if n == "is_billing" else n for n in changed))
        if value["location_name"]:
            earlier = location_rows.get(location_key)
            location_rows[location_key] = (value["location_address"]
                                           or (earlier[0] if earlier else ""), row.number)
            existing = locations.get((target, location_key[1])) if owner[0] == "id" else None
            if earlier is not None:
                pass  # the same location again: created or updated by its first row
            elif existing is None:
                result.new_locations.append({"owner": owner, "name": value["location_name"],
                                             "address": value["location_address"]})
                row.status = "new"
                row.changes.append(f"New location {value['location_name']}")
            elif value["location_address"] and value["location_address"] != existing["address"]:
                result.location_updates[existing["id"]] = {"address": value["location_address"]}
                row.changes.append(f"Updates location {existing['name']}: address")
        if not row.changes:
            row.changes.append("Already up to date")


def _plan_assets(shop: Shop, result: Plan) -> None:
    customers = {}
    for row in db.session.execute(select(Customer.id, Customer.name, Customer.name_key)
                                  .where(Customer.shop_id == shop.id).order_by(Customer.id)):
        customers.setdefault(row.name_key, {"id": row.id, "name": row.name})
    locations = {}
    for row in db.session.execute(select(Location.id, Location.customer_id, Location.name)
                                  .where(Location.shop_id == shop.id).order_by(Location.id)):
        locations.setdefault((row.customer_id, search_key(row.name)), row.id)
    assets = {}
    for row in db.session.execute(
            select(Asset.id, Asset.customer_id, Asset.unit_number, Asset.unit_number_key,
                   Asset.vin_serial, Asset.make, Asset.model, Asset.year, Asset.location_id)
            .where(Asset.shop_id == shop.id)):
        assets[(row.customer_id, row.unit_number_key)] = row._asdict()

    last_year = today(shop).year + 1
    seen: dict[tuple[int, str], int] = {}
    for row in result.rows:
        name = _line(row, "customer_name", 160, required="Enter the customer's name.")
        unit = _line(row, "unit_number", 40, required="Enter the unit number.")
        value = {"vin_serial": _line(row, "vin_or_serial", 40), "make": _line(row, "make", 60),
                 "model": _line(row, "model", 60)}
        year_text = row.values.get("year", "").strip()
        value["year"] = None
        if year_text:
            if _YEAR.fullmatch(year_text) and 1900 <= int(year_text[:4]) <= last_year:
                value["year"] = int(year_text[:4])
            else:
                row.error("year", f"Enter a year like 2019 (1900 to {last_year}).")
        customer = customers.get(search_key(name)) if name else None
        if name and customer is None:
            row.error("customer_name", f"No customer named “{name}”. Import the customers "
                                       "first, or check the spelling.")
        location_name = _line(row, "location_name", 120)
        value["location_id"] = None
        if customer is not None and location_name:
            value["location_id"] = locations.get((customer["id"], search_key(location_name)))
            if value["location_id"] is None:
                row.error("location_name", f"{customer['name']} has no location named "
                                           f"“{location_name}”. Add it first, or leave the "
                                           "cell empty.")
        if customer is None or not unit:
            continue
        key = (customer["id"], unit_number_key(unit))
        if key in seen:
            row.error("unit_number", f"Duplicate in the file: row {seen[key]} has unit "
                                     f"{unit} of this customer.")
        if row.status == "error":
            continue
        seen[key] = row.number
        existing = assets.get(key)
        if existing is None:
            result.new_assets.append({"customer_id": customer["id"], "unit_number": unit,
                                      **value})
            row.status = "new"
            row.changes.append(f"New unit {unit} for {customer['name']}")
        else:
            changed = _changes(existing, value)
            if changed:
                result.asset_updates[existing["id"]] = {**existing, **changed}
                row.changes.append(f"Updates unit {existing['unit_number']}: " + ", ".join(
                    {"vin_serial": "VIN or serial", "location_id": "location"}.get(n, n)
                    for n in changed))
            else:
                row.changes.append("Already up to date")


# --- importing ---------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What an import wrote, counted for the result and the audit log."""

    counts: dict[tuple[str, str], int]  # (noun, verb): how many
    skipped: int

    def summary(self) -> str:
        parts = [f"{number:,} {noun}{'' if number == 1 else 's'} {verb}"
                 for (noun, verb), number in self.counts.items() if number]
        done = "; ".join(parts) if parts else "nothing to change"
        skipped = f"; {self.skipped:,} row{'s' if self.skipped != 1 else ''} with errors " \
                  "skipped" if self.skipped else ""
        return done + skipped


def _batches(items: list, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def apply(shop: Shop, result: Plan) -> Outcome:
    """Write the plan's valid rows (bulk INSERTs and UPDATEs, in batches) and flush."""
    if result.kind == "customers":
        counts = _apply_customers(shop, result)
    else:
        counts = _apply_assets(shop, result)
    return Outcome(counts=counts, skipped=result.counts["error"])


def _insert(model, rows: list[dict]) -> list[int]:
    """INSERT the rows in batches and return their ids in order."""
    ids = []
    for batch in _batches(rows):
        ids += db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True),
                                  batch).all()
    return ids


def _update(model, rows: list[dict]) -> None:
    for batch in _batches(rows):
        db.session.execute(update(model), batch)


def _apply_customers(shop: Shop, result: Plan) -> dict[tuple[str, str], int]:
    customer_ids = _insert(Customer, [{
        "shop_id": shop.id, "name": c["name"], "name_key": search_key(c["name"]),
        "account_number": c["account_number"] or None,
        "account_number_key": search_key(c["account_number"]) if c["account_number"] else None,
        "billing_address": c["billing_address"]} for c in result.new_customers])
    updates = [{"id": id_, **changes} for id_, changes in result.customer_updates.items()]
    for changes in updates:
        if "account_number" in changes:
            changes["account_number_key"] = search_key(changes["account_number"])
    for keys in {tuple(sorted(u)) for u in updates}:  # one executemany per set of columns
        _update(Customer, [u for u in updates if tuple(sorted(u)) == keys])

    def owner_id(owner) -> int:
        return customer_ids[owner[1]] if owner[0] == "new" else owner[1]

    _insert(Contact, [{
        "shop_id": shop.id, "customer_id": owner_id(c["owner"]), "name": c["name"],
        "name_key": search_key(c["name"]), "email": c["email"], "phone": c["phone"] or None,
        "is_billing": bool(c["is_billing"])} for c in result.new_contacts])
    _update(Contact, [{"id": id_, "name": c["name"], "name_key": search_key(c["name"]),
                       "phone": c["phone"], "is_billing": c["is_billing"]}
                      for id_, c in result.contact_updates.items()])
    _insert(Location, [{"shop_id": shop.id, "customer_id": owner_id(loc["owner"]),
                        "name": loc["name"], "address": loc["address"]}
                       for loc in result.new_locations])
    _update(Location, [{"id": id_, **changes} for id_, changes in
                       result.location_updates.items()])
    return {("customer", "created"): len(result.new_customers),
            ("customer", "updated"): len(result.customer_updates),
            ("contact", "created"): len(result.new_contacts),
            ("contact", "updated"): len(result.contact_updates),
            ("location", "created"): len(result.new_locations),
            ("location", "updated"): len(result.location_updates)}


def _asset_columns(asset: dict) -> dict:
    return {"vin_serial": asset["vin_serial"], "make": asset["make"], "model": asset["model"],
            "make_key": search_key(asset["make"]), "model_key": search_key(asset["model"]),
            "year": asset["year"], "location_id": asset["location_id"]}


def _apply_assets(shop: Shop, result: Plan) -> dict[tuple[str, str], int]:
    _insert(Asset, [{
        "shop_id": shop.id, "customer_id": a["customer_id"], "unit_number": a["unit_number"],
        "unit_number_key": unit_number_key(a["unit_number"]), "notes": "", **_asset_columns(a)}
        for a in result.new_assets])
    _update(Asset, [{"id": id_, **_asset_columns(a)} for id_, a in result.asset_updates.items()])
    return {("asset", "created"): len(result.new_assets),
            ("asset", "updated"): len(result.asset_updates)}


# --- inviting ----------------------------------------------------------------------------------

def contacts_to_invite(shop: Shop, text: str) -> list[Contact]:
    """The contacts an imported customers file names that have no login and no invitation yet
    (and whose portal access is not disabled), matched as the import matched them."""
    result = plan(shop, "customers", text)
    wanted = set()
    names_of_new = {index: search_key(c["name"]) for index, c in enumerate(result.new_customers)}
    customer_ids = {}
    if names_of_new:  # planned as new before the import: created by it, found by their name
        for row in db.session.execute(select(Customer.id, Customer.name_key)
                                      .where(Customer.shop_id == shop.id)
                                      .order_by(Customer.id)):
            customer_ids.setdefault(row.name_key, row.id)
    for owner, email in result.contact_keys:
        if owner[0] == "id":
            wanted.add((owner[1], email))
        elif names_of_new[owner[1]] in customer_ids:
            wanted.add((customer_ids[names_of_new[owner[1]]], email))
    if not wanted:
        return []
    emails = sorted({email for _, email in wanted})
    found = []
    for batch in _batches(emails, 500):
        found += db.session.scalars(select(Contact).where(
            Contact.shop_id == shop.id, Contact.email.in_(batch),
            Contact.portal_user_id.is_(None), Contact.invited_at.is_(None),
            Contact.portal_disabled.is_(False))).all()
    return sorted((c for c in found if (c.customer_id, c.email) in wanted),
                  key=lambda c: c.id)
