"""Service requests: the server-side draft of the form, submitting it, and the staff workflow.
Every change that concerns the other side queues an email; nothing here commits."""

from __future__ import annotations

from datetime import date, timedelta

import base64
import hmac
import re

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from portal_app.clock import today
from portal_app.mail.emails import portal_link, queue_email
from portal_app.extensions import db
from portal_app.models import (
    Asset,
    Comment,
    Contact,
    ServiceRequest,
    ServiceRequestDraft,
    Shop,
    StaffUser,
    WorkOrder,
    utcnow,
)
from portal_app.services import attachments, comments, inbox, notifications

DESCRIPTION_MAX = 2000
ASSET_DESCRIPTION_MAX = 200
COMMENT_MAX = 2000
DRAFT_TEXT_CAP = 20000
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # the draft keeps overlong text (so nothing typed is lost), up to this


def earliest_service_date(shop=None) -> date:
    """The first date a visit can be asked for: the shop's today (in its time zone)."""
    return today(shop)


def find_draft(contact: Contact) -> ServiceRequestDraft | None:
    return db.session.scalar(select(ServiceRequestDraft).where(
        ServiceRequestDraft.contact_id == contact.id,
        ServiceRequestDraft.customer_id == contact.customer_id))


def new_draft(contact: Contact) -> ServiceRequestDraft:
    """An empty draft (not added to the session): what the form shows before the first save."""
    return ServiceRequestDraft(shop_id=contact.shop_id, customer_id=contact.customer_id,
                               contact_id=contact.id, location_id=None, asset_id=None,
                               asset_not_listed=False, asset_description="", desired_date=None,
                               urgency="routine", description="", token=next_draft_token(contact))


def next_draft_token(contact: Contact) -> str:
    """The token of the person's next draft: the same in every tab until a request is made
    from it (it follows their latest request), so two tabs or two clicks make one request."""
    latest = db.session.scalar(select(func.max(ServiceRequest.id)).where(
        ServiceRequest.contact_id == contact.id,
        ServiceRequest.customer_id == contact.customer_id)) or 0
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"request-draft:{contact.id}:{latest}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def is_draft_token(value: object) -> bool:
    return isinstance(value, str) and bool(_TOKEN.fullmatch(value))


def submitted_from(token: object, contact: Contact) -> ServiceRequest | None:
    """The request already made from the draft with this token (a repeated submit, another
    tab), or None."""
    if not is_draft_token(token):
        return None
    return db.session.scalar(select(ServiceRequest).where(
        ServiceRequest.draft_token == token, ServiceRequest.customer_id == contact.customer_id))


def draft_for_update(contact: Contact) -> ServiceRequestDraft:
    """Return the contact's draft, creating it (once, even when two saves race)."""
    draft = find_draft(contact)
    if draft is not None:
        return draft
    draft = new_draft(contact)
    db.session.add(draft)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request of the same person created it a moment ago. Nothing else is in this
        # transaction yet (the draft is loaded first), so rolling back loses nothing.
        db.session.rollback()
        draft = find_draft(contact)
    return draft


NOT_LISTED = "not_listed"  # the customer's unit is not in the list: they describe it


def update_draft(draft: ServiceRequestDraft, values: dict) -> set[str]:
    """Save the posted fields into the draft (a field not posted is left as it is) and return
    which of "location", "asset", "asset_not_listed", "asset_chose_location" and "desired_date"
    changed. Choosing an asset sets its
    location; choosing a location keeps the asset when the unit stands there. No field clears
    another. values["location"] and values["asset"] are the customer's own rows, already checked;
    values["asset"] may also be NOT_LISTED."""
    before = (draft.location_id, draft.asset_id, draft.asset_not_listed, draft.desired_date)
    chosen: Asset | None = None
    if "asset" in values:
        asset = values["asset"]
        if asset == NOT_LISTED:
            draft.asset_id, draft.asset_not_listed = None, True
        else:
            if asset is not None and asset.id != draft.asset_id:
                chosen = asset
            draft.asset_id, draft.asset_not_listed = (asset.id if asset else None), False
    if "location" in values:
        draft.location_id = values["location"].id if values["location"] else None
    if chosen is not None and chosen.location_id is not None:
        draft.location_id = chosen.location_id
    elif draft.asset_id is not None and draft.location_id is not None:
        kept = db.session.get(Asset, draft.asset_id)
        if kept is not None and kept.location_id not in (None, draft.location_id):
            draft.asset_id = None  # that unit is not at the newly chosen location
    for name in ("asset_description", "description"):
        if name in values:
            setattr(draft, name, values[name][:DRAFT_TEXT_CAP])
    for name in ("desired_date", "urgency"):
        if name in values:
            setattr(draft, name, values[name])
    draft.updated_at = utcnow()
    db.session.flush()
    changed = set()
    if before[0] != draft.location_id:
        changed.add("location")
        if chosen is not None:
            changed.add("asset_chose_location")
    if before[3] != draft.desired_date:
        changed.add("desired_date")
    if before[1:3] != (draft.asset_id, draft.asset_not_listed):
        changed.add("asset")
    if before[2] != draft.asset_not_listed:
        changed.add("asset_not_listed")
    return changed


def draft_problems(draft: ServiceRequestDraft) -> dict[str, str]:
    """What stops the draft from being submitted, by field name."""
    problems = {}
    if draft.location_id is None:
        problems["location_id"] = "Choose the location where the work is needed."
    if draft.asset_not_listed and not draft.asset_description.strip():
        problems["asset_description"] = "Describe the unit: make, model, anything that helps."
    elif len(draft.asset_description) > ASSET_DESCRIPTION_MAX:
        problems["asset_description"] = (
            f"Keep the unit description under {ASSET_DESCRIPTION_MAX} characters "
            f"(it has {len(draft.asset_description):,}).")
    if draft.desired_date is not None and \
            draft.desired_date < earliest_service_date(db.session.get(Shop, draft.shop_id)):
        problems["desired_date"] = "This date is in the past. Pick today or a later date."
    if not draft.description.strip():
        problems["description"] = "Describe what needs doing."
    elif len(draft.description) > DESCRIPTION_MAX:
        problems["description"] = (f"Keep the description under {DESCRIPTION_MAX:,} characters "
                                   f"(it has {len(draft.description):,}).")
    return problems


REPEAT_WINDOW = timedelta(minutes=2)


def just_sent_the_same(draft: ServiceRequestDraft, contact: Contact) -> ServiceRequest | None:
    """The person's request of the last two minutes that says exactly what the draft says
    (the same form posted again without its token), or None."""
    latest = db.session.scalar(
        select(ServiceRequest).where(
            ServiceRequest.contact_id == contact.id,
            ServiceRequest.customer_id == contact.customer_id,
            ServiceRequest.created_at > utcnow() - REPEAT_WINDOW)
        .order_by(ServiceRequest.id.desc()).limit(1))
    if latest is None:
        return None
    asset_id = None if draft.asset_not_listed else draft.asset_id
    same = (latest.location_id, latest.asset_id, latest.desired_date, latest.urgency,
            latest.description, latest.asset_description) == (
        draft.location_id, asset_id, draft.desired_date, draft.urgency,
        draft.description.strip(),
        draft.asset_description.strip() if draft.asset_not_listed else "")
    return latest if same else None


class DraftAlreadySubmitted(Exception):
    """Another submit of the same draft (a double click, a second tab) claimed it first."""


def submit_draft(draft: ServiceRequestDraft, contact: Contact) -> ServiceRequest:
    """Turn a valid draft into a request (its photos and files move along), delete the draft and
    tell the shop's staff.

    The draft is claimed with a conditional UPDATE of its row before anything else is written
    (the row stays locked until the transaction ends), and the request keeps the draft's token
    under a unique constraint: of any number of concurrent submits one makes the request, the
    others raise DraftAlreadySubmitted (or IntegrityError / StaleDataError from the database),
    and the caller answers them with it. The draft is deleted last, once its files are the
    request's: deleting it first would take their rows along (ON DELETE CASCADE)."""
    claimed = db.session.execute(
        update(ServiceRequestDraft)
        .where(ServiceRequestDraft.id == draft.id, ServiceRequestDraft.token == draft.token)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise DraftAlreadySubmitted()
    request = ServiceRequest(
        shop_id=draft.shop_id, customer_id=draft.customer_id, contact_id=contact.id,
        location_id=draft.location_id, asset_id=None if draft.asset_not_listed else draft.asset_id,
        asset_description=draft.asset_description.strip() if draft.asset_not_listed else "",
        desired_date=draft.desired_date, urgency=draft.urgency,
        description=draft.description.strip(), draft_token=draft.token)
    db.session.add(request)
    db.session.flush()
    attachments.move(draft, request)
    db.session.execute(
        delete(ServiceRequestDraft).where(ServiceRequestDraft.id == draft.id)
        .execution_options(synchronize_session=False))
    db.session.expunge(draft)
    inbox.request_submitted(request)
    _tell_staff(request, "request_submitted")
    return request


def discard_draft(contact: Contact) -> bool:
    """Delete the person's unfinished request form with its photos and files (their stored
    objects too); call it before deleting the contact, whose draft the database would delete
    without its objects. Return whether there was one."""
    draft = find_draft(contact)
    if draft is None:
        return False
    attachments.remove_all(draft)
    db.session.execute(
        delete(ServiceRequestDraft).where(ServiceRequestDraft.id == draft.id)
        .execution_options(synchronize_session=False))
    db.session.expunge(draft)
    return True


def _tell_staff(request: ServiceRequest, kind: str, comment: Comment | None = None) -> None:
    staff = db.session.scalars(select(StaffUser).where(
        StaffUser.shop_id == request.shop_id, StaffUser.active.is_(True)).order_by(StaffUser.id))
    link = portal_link("staff.requests.detail", request_id=request.id)
    customer = request.customer
    named = {"customer_name": customer.name, "number": inbox.document_number(request),
             "unit": inbox.unit_of(request),
             "urgency": " (Urgent)" if request.urgency == "urgent" else ""}  # the subject's
    for member in staff:
        queue_email(kind, recipient=member.email, shop=member.shop, request=request,
                    comment=comment, link=link, staff_member=member, customer=customer,
                    **named)


def requester_told(request: ServiceRequest, choice: str) -> Contact | None:
    """The contact who made the request, when they get its emails of this kind ("requests":
    its updates, "replies": the shop's replies): a portal login they may use, and the kind
    wanted (notifications.recipients); else None."""
    if request.contact_id is None:
        return None
    found = notifications.recipients(request.shop_id, request.customer_id, choice,
                                     contact_ids=[request.contact_id])
    return found[0] if found else None


def _tell_customer(request: ServiceRequest, what: str, comment: Comment | None = None,
                   choice: str = "requests") -> None:
    contact = requester_told(request, choice)
    if contact is None:
        return
    queue_email("request_update", recipient=contact.email, shop=contact.shop, contact=contact,
                request=request, what=what, comment=comment,
                link=portal_link("requests.detail", request_id=request.id, shop=contact.shop))


def add_customer_comment(request: ServiceRequest, contact: Contact, body: str,
                         submission_key: str | None = None) -> Comment | None:
    """Post a customer's comment on their request and tell the shop's staff (None: this form
    was posted already)."""
    comment = _comment(request, body, submission_key, author_contact_id=contact.id)
    if comment is not None:
        inbox.commented(request, comment)
        _tell_staff(request, "request_comment", comment)
    return comment


def _comment(request: ServiceRequest, body: str, submission_key: str | None, **author
             ) -> Comment | None:
    """Add a comment once per submitted form; must be the transaction's first write."""
    if comments.already_posted(request.shop_id, submission_key):
        return None
    comment = Comment(shop_id=request.shop_id, service_request_id=request.id, body=body,
                      submission_key=submission_key or None, **author)
    db.session.add(comment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return comment


def _staff_comment(request: ServiceRequest, staff: StaffUser, body: str, what: str,
                   submission_key: str | None = None, choice: str = "requests"
                   ) -> Comment | None:
    comment = _comment(request, body, submission_key, author_staff_id=staff.id)
    if comment is not None:
        inbox.replied(request, staff)  # a reply (or a closing note) answers its inbox items
        _tell_customer(db.session.get(ServiceRequest, request.id), what, comment, choice)
    return comment


def reply(request: ServiceRequest, staff: StaffUser, body: str,
          submission_key: str | None = None) -> Comment | None:
    """Post a staff reply and tell the customer."""
    return _staff_comment(request, staff, body, f"{staff.name} replied to your request.",
                          submission_key, choice="replies")


def post_comment(request: ServiceRequest, author: Contact | StaffUser, body: str,
                 submission_key: str | None = None) -> Comment | None:
    """Post in the request's thread: a staff member's reply tells the customer, a customer's
    comment tells the shop's staff."""
    if isinstance(author, StaffUser):
        return reply(request, author, body, submission_key)
    return add_customer_comment(request, author, body, submission_key)


def schedule(request: ServiceRequest, staff: StaffUser, on: date) -> None:
    """Set the service date and tell the customer."""
    request.status, request.scheduled_for = ServiceRequest.SCHEDULED, on
    db.session.flush()
    _tell_customer(request, f"Your request is scheduled for {on.strftime('%-d %b %Y')}.")


def mark_converted(request: ServiceRequest, staff: StaffUser, existing_number: str | None
                   ) -> WorkOrder:
    """Open a work order for the request, or link the customer's work order numbered
    `existing_number`, and tell the customer (once: a second click finds it converted)."""
    from portal_app.services import work_orders

    was_converted = request.status == ServiceRequest.CONVERTED and request.work_order
    work_order = work_orders.for_request(request, staff, existing_number)
    if not was_converted:
        request = db.session.get(ServiceRequest, work_order.service_request_id)
        _tell_customer(request, f"Work order {work_order.number} was opened for your request.")
    return work_order


def close(request: ServiceRequest, staff: StaffUser, note: str) -> Comment:
    """Close the request with a note (kept in the thread) and tell the customer."""
    request.status = ServiceRequest.CLOSED
    return _staff_comment(request, staff, note, f"{staff.name} closed your request.")
