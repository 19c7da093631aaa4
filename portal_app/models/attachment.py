"""Photos and files (issue 21): one row per file, stored through portal_app.files.storage.

A file belongs to exactly one document, whose access it shares: a service request (or the
customer's unfinished request form, its draft), an estimate, a work order or an asset. Within
the document it may belong to a part: a comment of its thread, an estimate line or a work order
line (additional work: "what we found"). `owner` names the part, or the document when there is
none ("comment:12", "estimate_line:7", "request:3"); with the upload's digest it makes a double
submit attach each file once (unique per shop).

An image is stored re-encoded (no EXIF) with a JPEG thumbnail; a PDF as sent, without one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal_app.models.base import Base, utcnow

# The columns that name the document a file belongs to (exactly one is set) and the part of it.
DOCUMENT_COLUMNS = ("service_request_id", "draft_id", "estimate_id", "work_order_id", "asset_id")
PART_COLUMNS = ("comment_id", "estimate_line_id", "work_order_line_id")
MAX_PER_ITEM = 10  # files per item: a request, a comment, a line, a work order, an asset


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    service_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request_draft.id", ondelete="CASCADE"), index=True)
    estimate_id: Mapped[int | None] = mapped_column(
        ForeignKey("estimate.id", ondelete="CASCADE"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"))
    estimate_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("estimate_line.id", ondelete="CASCADE"))
    work_order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_order_line.id", ondelete="CASCADE"))
    owner: Mapped[str] = mapped_column(String(40))  # "comment:12", or the document: "asset:3"
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the bytes as uploaded
    kind: Mapped[str] = mapped_column(String(8))  # "image" or "pdf"
    filename: Mapped[str] = mapped_column(String(120))  # as shown and downloaded
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)  # bytes of the stored file
    key: Mapped[str] = mapped_column(String(200))  # the stored file's storage key
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    thumb_width: Mapped[int | None] = mapped_column(Integer)
    thumb_height: Mapped[int | None] = mapped_column(Integer)
    thumb_size: Mapped[int | None] = mapped_column(Integer)
    by_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"))
    by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("shop_id", "owner", "digest"),
        CheckConstraint(" + ".join(f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)"
                                   for column in DOCUMENT_COLUMNS) + " = 1",
                        name="one_document"),
        CheckConstraint("kind IN ('image', 'pdf')", name="kind_known"),
    )

    @property
    def is_image(self) -> bool:
        return self.kind == "image"

    @property
    def document_column(self) -> str:
        return next(column for column in DOCUMENT_COLUMNS if getattr(self, column) is not None)
