"""Estimates: numbering, drafts with lines, sending version 1, new versions when a sent estimate
changes, and what changed between two versions. Nothing here commits."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal_app.extensions import db
from portal_app.models import (Approval, Contact, Estimate, EstimateLine, EstimateVersion,
                               StaffUser, utcnow)
from portal_app.services import attachments, comments, pricing, taxes
from portal_app.services.invoices import money

VALID_FOR_DAYS = 30


class EstimateStateError(Exception):
    """The estimate is not in a state that allows the action; the message says why."""


def next_number(model, prefix: str, shop_id: int) -> str:
    """The next free number of the shop for estimates (EST-0001) or work orders (WO-0001)."""
    count = db.session.scalar(select(func.count()).select_from(model)
                              .where(model.shop_id == shop_id)) or 0
    while True:
        count += 1
        number = f"{prefix}-{count:04d}"
        if db.session.scalar(select(model.id).where(model.shop_id == shop_id,
                                                    model.number == number)) is None:
            return number


def default_valid_until() -> date:
    return utcnow().date() + timedelta(days=VALID_FOR_DAYS)


def find_by_submission(shop_id: int, submission_key: str | None) -> Estimate | None:
    if not submission_key:
        return None
    return db.session.scalar(select(Estimate).where(Estimate.shop_id == shop_id,
                                                    Estimate.submission_key == submission_key))


def create_draft(shop_id: int, values: dict, lines: list[dict],
                 submission_key: str | None) -> Estimate:
    """Create a draft with the next number; a second post of the same form returns the first
    draft. Must be the transaction's first write (a lost race rolls it back)."""
    existing = find_by_submission(shop_id, submission_key)
    if existing is not None:
        return existing
    for _ in range(5):  # two new drafts at once may pick the same number: take the next one
        estimate = Estimate(shop_id=shop_id, number=next_number(Estimate, "EST", shop_id),
                            status=Estimate.DRAFT, version=0, submission_key=submission_key,
                            **values)
        estimate.lines = [_new_line(i, line) for i, line in enumerate(lines)]
        taxes.fix(estimate)
        db.session.add(estimate)
        try:
            db.session.flush()
            return estimate
        except IntegrityError:
            db.session.rollback()
            existing = find_by_submission(shop_id, submission_key)
            if existing is not None:
                return existing
    raise EstimateStateError("Could not pick a free estimate number; save again.")


def listed_amount(estimate: Estimate) -> str:
    """What an estimate is worth where it is listed: "Approved $850.00 of $1,013.00" when the
    customer approved part of the version shown, the approved total when they approved all of
    it, and the total asked for otherwise (waiting, expired, declined, a draft). "Of" is every
    line of that version with its tax, as the approval recorded them. Lists load the decision
    with the estimate (estimates.views.with_decision)."""
    decision = estimate.decision
    if decision is None or decision.decision == Approval.DECLINED:
        return money(estimate.total_cents)
    approved = money(decision.total_approved_cents)
    if decision.decision == Approval.PARTIAL:
        offered = pricing.line_totals(decision.lines, estimate.tax).total_cents
        return f"Approved {approved} of {money(offered)}"
    return approved


def _new_line(position: int, line: dict) -> EstimateLine:
    return EstimateLine(position=position, **pricing.line_fields(line), optional=line["optional"])


def _set_lines(estimate: Estimate, lines: list[dict]) -> None:
    """Put the form's lines on the estimate, each line the form had changed in place
    (pricing.place_lines); a line no row names any more goes with its files' stored objects."""
    rows, gone = pricing.place_lines(estimate.lines, lines, _new_line)
    for row, line in zip(rows, lines):
        row.optional = line["optional"]
    for line in gone:
        attachments.remove_all(estimate, line)
    estimate.lines = rows


def snapshot(estimate: Estimate) -> dict:
    """What the customer is shown of the estimate now: lines, valid-until date and note."""
    return {"lines": [_plain(line.snapshot()) for line in estimate.lines],
            "valid_until": estimate.valid_until.isoformat() if estimate.valid_until else None,
            "notes": estimate.notes or ""}


def version_snapshot(version: EstimateVersion) -> dict:
    return {"lines": [_plain(line) for line in version.lines],
            "valid_until": version.valid_until.isoformat() if version.valid_until else None,
            "notes": version.notes or ""}


def _plain(line: dict) -> dict:
    """A line without its row id (ids change between versions; the words and numbers count)."""
    fields = pricing.line_fields(line)
    return {"description": fields["description"], "kind": fields["kind"],
            "quantity": pricing.plain(fields["quantity"]),
            "unit_price_cents": fields["unit_price_cents"],
            "discount": pricing.plain(fields["discount"]), "taxable": fields["taxable"],
            "optional": bool(line.get("optional"))}


def _proposed(values: dict, lines: list[dict]) -> dict:
    valid_until = values.get("valid_until")
    return {"lines": [_plain(line) for line in lines],
            "valid_until": valid_until.isoformat() if valid_until else None,
            "notes": values.get("notes") or ""}


def update_draft(estimate: Estimate, values: dict, lines: list[dict]) -> None:
    """Change a draft: the customer has not seen it, so no version is made."""
    if estimate.status != Estimate.DRAFT:
        raise EstimateStateError("Only a draft changes without a new version.")
    for name, value in values.items():
        setattr(estimate, name, value)
    _set_lines(estimate, lines)
    taxes.fix(estimate)
    db.session.flush()


def _record_version(estimate: Estimate, staff: StaffUser, changes: list[dict]) -> EstimateVersion:
    db.session.flush()
    version = EstimateVersion(estimate_id=estimate.id, version=estimate.version,
                              lines=[line.snapshot() for line in estimate.lines],
                              valid_until=estimate.valid_until, notes=estimate.notes or "",
                              changes=changes, sent_by_id=staff.id)
    db.session.add(version)
    db.session.flush()
    return version


def send(estimate: Estimate, staff: StaffUser) -> list[Contact]:
    """Send a draft as version 1 and email the customer's contacts who can act on it and want
    estimate emails (notifications); return whom. A second
    click finds it sent already (the conditional UPDATE matches nothing)."""
    if estimate.status != Estimate.DRAFT:
        raise EstimateStateError(f"{estimate.number} was sent already.")
    if not estimate.lines:
        raise EstimateStateError("Add at least one line before sending.")
    sent = db.session.execute(
        update(Estimate).where(Estimate.id == estimate.id, Estimate.status == Estimate.DRAFT)
        .values(status=Estimate.SENT, version=1, updated_at=utcnow()))
    if sent.rowcount != 1:
        raise EstimateStateError(f"{estimate.number} was sent already.")
    db.session.refresh(estimate)
    taxes.fix(estimate)  # the rate in force when it is sent
    _record_version(estimate, staff, [])
    return comments.tell_customer(estimate, "estimate_sent", changes=[], version=1)


def revise(estimate: Estimate, staff: StaffUser, values: dict, lines: list[dict],
           based_on: int) -> list[Contact] | None:
    """Change a sent (or declined) estimate: a new version the customer must approve, and an
    email saying what changed; returns whom it emailed, or None when nothing changed (no
    version, no email).
    Refused when the customer decided, or someone else changed it, since `based_on`."""
    if estimate.status not in (Estimate.SENT, Estimate.DECLINED):
        raise EstimateStateError(f"{estimate.number} was decided by the customer; it can no "
                                 "longer change. Convert it to a work order instead.")
    current = db.session.scalar(select(EstimateVersion).where(
        EstimateVersion.estimate_id == estimate.id,
        EstimateVersion.version == estimate.version))
    before = version_snapshot(current) if current else snapshot(estimate)
    after = _proposed(values, lines)
    if before == after:
        return None
    if based_on != estimate.version:
        raise EstimateStateError(f"Someone changed {estimate.number} meanwhile (it is at "
                                 f"version {estimate.version}). Reload it and edit again.")
    bumped = db.session.execute(
        update(Estimate).where(Estimate.id == estimate.id, Estimate.version == based_on,
                               Estimate.status.in_((Estimate.SENT, Estimate.DECLINED)))
        .values(version=based_on + 1, status=Estimate.SENT, updated_at=utcnow()))
    if bumped.rowcount != 1:
        raise EstimateStateError(f"The customer decided on {estimate.number} a moment ago; "
                                 "it was not changed.")
    db.session.refresh(estimate)
    for name, value in values.items():
        setattr(estimate, name, value)
    _set_lines(estimate, lines)
    taxes.fix(estimate)  # a new version is sent: the rate in force now
    changes = changes_between(before, after)
    _record_version(estimate, staff, changes)
    return comments.tell_customer(estimate, "estimate_sent", changes=changes,
                                  version=estimate.version)


def _line_words(line: dict) -> str:
    optional = " (optional)" if line["optional"] else ""
    return (f"{line['description']}{optional}: {line['quantity']} × "
            f"{money(line['unit_price_cents'])}")


def changes_between(before: dict, after: dict) -> list[dict]:
    """What changed from one version to another, in words: lines added, removed, and price,
    quantity or optional changed (lines are matched by their description)."""
    found = []
    unmatched = list(before["lines"])
    pairs = []
    for line in after["lines"]:
        match = next((old for old in unmatched if old["description"] == line["description"]),
                     None)
        if match is None:
            found.append({"kind": "added", "text": f"Added {_line_words(line)}"})
        else:
            unmatched.remove(match)
            pairs.append((match, line))
    found.extend({"kind": "removed", "text": f"Removed {_line_words(old)}"} for old in unmatched)
    for old, new in pairs:
        what = []
        if old["quantity"] != new["quantity"]:
            what.append(f"quantity {old['quantity']} → {new['quantity']}")
        if old["unit_price_cents"] != new["unit_price_cents"]:
            what.append(f"unit price {money(old['unit_price_cents'])} → "
                        f"{money(new['unit_price_cents'])}")
        if old.get("discount", "0") != new.get("discount", "0"):
            what.append(f"discount {old.get('discount', '0')}% → {new.get('discount', '0')}%")
        if old.get("taxable", False) != new.get("taxable", False):
            what.append("now taxed" if new.get("taxable") else "no longer taxed")
        if old["optional"] != new["optional"]:
            what.append("now optional" if new["optional"] else "no longer optional")
        if what:
            found.append({"kind": "changed",
                          "text": f"Changed {new['description']}: {', '.join(what)}"})
    if before["valid_until"] != after["valid_until"]:
        found.append({"kind": "changed", "text": "Valid until: " + " → ".join(
            _day(value) for value in (before["valid_until"], after["valid_until"]))})
    if before["notes"] != after["notes"]:
        found.append({"kind": "changed", "text": "The note to you changed."})
    return found


def _day(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%-d %b %Y") if iso else "no date"


def changes_since(estimate: Estimate, seen: int) -> list[dict]:
    """What changed between the version the customer saw and the estimate's current one."""
    rows = {row.version: row for row in db.session.scalars(select(EstimateVersion).where(
        EstimateVersion.estimate_id == estimate.id,
        EstimateVersion.version.in_((seen, estimate.version))))}
    if seen not in rows or estimate.version not in rows:
        return []
    return changes_between(version_snapshot(rows[seen]), version_snapshot(rows[estimate.version]))
