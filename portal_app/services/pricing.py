"""How money is computed, in one place, for every document (estimates, work orders with their
additional work, invoices and the approvals of the first two).

- A line has a kind (labour, parts, fee), a quantity with up to two decimals, a unit price in
  cents, a discount in percent (0-100, up to two decimals) and a taxable flag. Its amount is
  quantity x unit price less the discount, rounded half up to the cent once per line.
- A document's subtotal is the sum of its line amounts; its tax is the rate times the sum of its
  taxable line amounts, rounded half up once per document; its total is the two added.
- Rates are stored in thousandths of a percent (8.25 % = 8250), quantities and discounts in
  hundredths (1.5 = 150): integers, exact on every database.
- Limits, checked where a value is typed: a quantity up to 9,999.99, a unit price up to
  999,999.99, a document total up to 99,999,999.99. Money columns are 64-bit integer cents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

KINDS = {"labour": "Labour", "parts": "Parts", "fee": "Fee"}
DEFAULT_KIND = "parts"
# What most US states do: parts and fees (shop supplies, disposal) are taxed, labour is not.
DEFAULT_TAXABLE = {"labour": False, "parts": True, "fee": True}

MAX_QUANTITY = Decimal("9999.99")
MAX_UNIT_PRICE_CENTS = 99_999_999  # 999,999.99
MAX_TOTAL_CENTS = 9_999_999_999  # 99,999,999.99 for a document, tax included
MAX_RATE = Decimal("100")

_DECIMAL = re.compile(r"(?:[0-9]{1,9}(?:\.[0-9]*)?|\.[0-9]+)")


def parse_decimal(text: str | None, places: int) -> Decimal | None:
    """ "1.5", "0.25", "2", ".5" as a Decimal with at most `places` decimals; None for anything
    else (signs, exponents, NaN, "1,5", more decimals)."""
    cleaned = (text or "").strip()
    if not _DECIMAL.fullmatch(cleaned):
        return None
    whole, _, part = cleaned.partition(".")
    part = part.rstrip("0")
    if len(part) > places:
        return None
    return Decimal(f"{whole or 0}.{part or 0}")


def plain(value: Decimal | int | float | str) -> str:
    """A quantity, discount or rate as people write it: 2, 1.5, 0.25, 8.25, 7.125."""
    number = Decimal(str(value))
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity_text(line) -> str:
    """A line's quantity as documents print it: labour in hours ("1.5 h"), the rest as a
    number ("2")."""
    kind = line.get("kind") if isinstance(line, dict) else line.kind
    number = plain(line.get("quantity", 1) if isinstance(line, dict) else line.quantity)
    return f"{number} h" if kind == "labour" else number


def line_terms(line) -> str:
    """What a line is besides its words, for documents: "Labour · 10% off · taxed"."""
    kind = _get(line, "kind") or DEFAULT_KIND
    discount = Decimal(str(_get(line, "discount") or 0))
    parts = [KINDS.get(kind, kind.title())]
    if discount:
        parts.append(f"{plain(discount)}% off")
    if _get(line, "taxable"):
        parts.append("taxed")
    return " · ".join(parts)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_amount(quantity: Decimal | int, unit_price_cents: int,
                discount: Decimal | int = 0) -> int:
    """quantity x unit price less the discount (percent), rounded half up to the cent."""
    gross = Decimal(str(quantity)) * unit_price_cents
    return _round(gross * (100 - Decimal(str(discount))) / 100)


LINE_KEYS = ("description", "kind", "quantity", "unit_price_cents", "discount", "taxable")


def line_fields(line: dict) -> dict:
    """A line's columns from a posted line or a snapshot's (JSON: decimals as text), its amount
    computed: what every line row is built from."""
    quantity = Decimal(str(line.get("quantity", 1)))
    discount = Decimal(str(line.get("discount") or 0))
    return {"description": line["description"], "kind": line.get("kind") or DEFAULT_KIND,
            "quantity": quantity, "unit_price_cents": int(line["unit_price_cents"]),
            "discount": discount, "taxable": bool(line.get("taxable")),
            "amount_cents": line_amount(quantity, int(line["unit_price_cents"]), discount)}


def tax_amount(taxable_cents: int, rate: Decimal | None) -> int:
    """The rate (percent) times the taxable sum, rounded half up once."""
    if not rate:
        return 0
    return _round(Decimal(taxable_cents) * rate / 100)


@dataclass(frozen=True)
class Tax:
    """The tax a document charges: its name and rate (percent), or exempt, or none."""

    name: str = ""
    rate: Decimal | None = None
    exempt: bool = False
    exempt_number: str = ""

    @property
    def charged(self) -> bool:
        return bool(self.rate) and not self.exempt

    @property
    def label(self) -> str:
        """ "Sales tax (8.25%)", "Tax exempt (certificate 123)", or "" without tax."""
        if self.exempt:
            return "Tax exempt" + (f" (certificate {self.exempt_number})"
                                   if self.exempt_number else "")
        if self.rate:
            return f"{self.name or 'Tax'} ({plain(self.rate)}%)"
        return ""

    def on(self, taxable_cents: int) -> int:
        return tax_amount(taxable_cents, self.rate) if self.charged else 0


NO_TAX = Tax()


@dataclass(frozen=True)
class Totals:
    subtotal_cents: int
    taxable_cents: int
    tax_cents: int
    tax: Tax

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.tax_cents


def totals(amounts: Iterable[tuple[int, bool]], tax: Tax = NO_TAX) -> Totals:
    """Subtotal, tax and total of (amount, taxable) pairs."""
    subtotal = taxable = 0
    for amount, is_taxable in amounts:
        subtotal += amount
        taxable += amount if is_taxable else 0
    return Totals(subtotal, taxable, tax.on(taxable), tax)


def line_totals(lines, tax: Tax = NO_TAX) -> Totals:
    """Totals of line rows or line dicts (a snapshot's or an approval's)."""
    return totals(((_get(line, "amount_cents"), bool(_get(line, "taxable"))) for line in lines),
                  tax)


def _get(line, key):
    return line.get(key, 0) if isinstance(line, dict) else getattr(line, key)


def place_lines(rows: list, lines: list[dict], new) -> tuple[list, list]:
    """Put a form's `lines` on a document whose line rows are `rows`: a line whose row names it
    (`line_id`) changes that row in place, so it keeps its id (and its photos, which would go
    with a deleted row); any other line is new(position, line). Return the rows in the form's
    order and the rows no line names any more (the caller deletes them with their files)."""
    existing = {row.id: row for row in rows}
    placed = []
    for position, line in enumerate(lines):
        row = existing.pop(line.get("line_id"), None)  # each id once
        if row is None:
            row = new(position, line)
        else:
            for name, value in line_fields(line).items():
                setattr(row, name, value)
            row.position = position
        placed.append(row)
    return placed, list(existing.values())

