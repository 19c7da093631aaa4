"""Comment threads of estimates, work orders and invoices: post once per submitted form, and
email the other side (staff on a customer's comment, the customer's contacts on a staff reply);
a customer's comment is a staff inbox item, a staff reply handles the document's open items.
A comment on an estimate, a work order or a service request may carry photos and files
(services.attachments, part "comment"): a thread carries them, grouped by comment."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal_app.mail.emails import portal_link, queue_email
from portal_app.extensions import db
from portal_app.models import Comment, Contact, Estimate, Invoice, StaffUser, WorkOrder
from portal_app.services import attachments, inbox, notifications

COMMENT_MAX = 2000
# The documents whose comments take photos and files (an invoice's thread is words only).
WITH_FILES = frozenset({"Estimate", "WorkOrder", "ServiceRequest"})


def takes_files(document) -> bool:
    """True when a comment on this kind of document may carry photos and files."""
    return type(document).__name__ in WITH_FILES


class Thread(list):
    """A document's comments (rows, oldest first) and what the thread shows with them: the
    document, whether its comments take files, and those files by comment id."""

    def __init__(self, rows, document, files: dict) -> None:
        super().__init__(rows)
        self.document = document
        self.takes_files = takes_files(document)
        self.files = files

    def files_of(self, comment) -> list:
        """The photos and files of one comment of the thread, oldest first."""
        return self.files.get(comment.id, [])


def parent_column(document) -> str:
    """The Comment column that names this kind of document."""
    return {"Estimate": "estimate_id", "WorkOrder": "work_order_id", "Invoice": "invoice_id",
            "ServiceRequest": "service_request_id"}[type(document).__name__]


def thread(document) -> Thread:
    """The document's comments, oldest first, as rows of what a thread shows (body, created_at,
    author_name, by_staff): one query, no rows to track, as nothing on the page changes them;
    with their files, grouped by comment (one more query, where comments take files)."""
    rows = db.session.execute(
        select(Comment.id, Comment.body, Comment.created_at,
               Comment.author_staff_id.is_not(None).label("by_staff"),
               func.coalesce(StaffUser.name, Contact.name, "Former contact").label("author_name"))
        .outerjoin(StaffUser, StaffUser.id == Comment.author_staff_id)
        .outerjoin(Contact, Contact.id == Comment.author_contact_id)
        .where(Comment.shop_id == document.shop_id,
               getattr(Comment, parent_column(document)) == document.id)
        .order_by(Comment.created_at, Comment.id)).all()
    files = {}
    if rows and takes_files(document):
        files = attachments.by_part(attachments.of_document(document), "comment_id")
    return Thread(rows, document, files)


def already_posted(shop_id: int, submission_key: str | None) -> bool:
    if not submission_key:
        return False
    return db.session.scalar(select(Comment.id).where(
        Comment.shop_id == shop_id, Comment.submission_key == submission_key)) is not None


def post(document, author, body: str, submission_key: str | None = None) -> Comment | None:
    """Add a comment by a contact or a staff member and tell the other side; None when this
    submission was posted already (a double click). Must be the transaction's first write:
    a lost race rolls the transaction back."""
    if already_posted(document.shop_id, submission_key):
        return None
    by_staff = isinstance(author, StaffUser)
    comment = Comment(shop_id=document.shop_id, body=body, submission_key=submission_key or None,
                      author_staff_id=author.id if by_staff else None,
                      author_contact_id=None if by_staff else author.id,
                      **{parent_column(document): document.id})
    db.session.add(comment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # the same form, posted twice at once: the other one won
        return None
    if by_staff:
        inbox.replied(document, author)
        tell_customer(document, "document_reply", comment=comment)
    else:
        inbox.commented(document, comment)
        tell_staff(document, "document_comment", comment=comment)
    return comment


def _kind_and_page(document) -> tuple[str, str, str]:
    if isinstance(document, Estimate):
        return "estimate", "estimates.detail", "staff.estimates.detail"
    if isinstance(document, WorkOrder):
        return "work order", "work_orders.detail", "staff.work_orders.detail"
    if isinstance(document, Invoice):
        return "invoice", "invoices.detail", "staff.invoices.detail"
    raise TypeError(document)


def tell_staff(document, kind: str, **context) -> None:
    """Email every active staff member of the shop about the document."""
    noun, _, console_page = _kind_and_page(document)
    link = portal_link(console_page, **{_id_name(document): document.id})
    staff = db.session.scalars(select(StaffUser).where(
        StaffUser.shop_id == document.shop_id, StaffUser.active.is_(True)).order_by(StaffUser.id))
    for member in staff:
        queue_email(kind, recipient=member.email, shop=member.shop, staff_member=member,
                    document=document, noun=noun, customer=document.customer, link=link,
                    customer_name=document.customer.name, number=document.number, **context)


# The choice of the account page each customer email about a document follows.
CHOICE_OF = {"estimate_sent": "estimates", "additional_work": "estimates",
             "document_reply": "replies"}


def customer_contacts(document, kind: str) -> list[Contact]:
    """The contacts of the document's customer who get this kind of email about it: those who
    can act on it in the portal and want it (notifications.recipients)."""
    return notifications.recipients(document.shop_id, document.customer_id, CHOICE_OF[kind])


def tell_customer(document, kind: str, **context) -> list[Contact]:
    """Email the customer's contacts who can act and want this kind; return whom."""
    noun, portal_page, _ = _kind_and_page(document)
    contacts = customer_contacts(document, kind)
    for contact in contacts:
        link = portal_link(portal_page, shop=contact.shop, **{_id_name(document): document.id})
        queue_email(kind, recipient=contact.email, shop=contact.shop, contact=contact,
                    document=document, noun=noun, link=link,
                    has_login=contact.portal_state == "active", **context)
    return contacts


def _id_name(document) -> str:
    return {"Estimate": "estimate_id", "WorkOrder": "work_order_id",
            "Invoice": "invoice_id"}[type(document).__name__]
