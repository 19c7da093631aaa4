"""Photos and files on requests, comments, estimate and work order lines, work orders and assets
(issue 21): reading what a form posted, checking it (portal_app.files.processing), storing it
(portal_app.files.storage, the app's `files` storage), and removing it again.

A form's file field is named `files` and may carry several files. What it posted is checked as
a whole before anything is stored: one refused file refuses the lot, with a message for the
field, so a person never wonders which half of their photos arrived. Storing puts the file (and
its thumbnail) into the storage and inserts its row once per owner and content (INSERT ... ON
CONFLICT DO NOTHING): a double submit, or two tabs, attach each file once; the loser's objects
are deleted again. Nothing here commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal_app.extensions import db
from portal_app.files.processing import ACCEPTED, MAX_BYTES, Prepared, Refused, prepare
from portal_app.files.storage import FileStorage, Missing
from portal_app.models import Attachment, StaffUser, utcnow
from portal_app.models.attachment import DOCUMENT_COLUMNS, MAX_PER_ITEM, PART_COLUMNS

FIELD = "files"  # the name of every form's file field
# Ten files of ten megabytes and the form around them: the body a view with a file field takes.
UPLOAD_LIMIT = MAX_PER_ITEM * (MAX_BYTES + 64 * 1024) + 256 * 1024
TOO_LARGE = (f"Photos and files may be up to {MAX_BYTES // (1024 * 1024)} MB each, "
             f"{MAX_PER_ITEM} at a time. Please choose fewer or smaller files and try again.")

# The column naming each kind of document and part, by model name, and its name in `owner`.
_DOCUMENTS = {"ServiceRequest": ("service_request_id", "request"),
              "ServiceRequestDraft": ("draft_id", "draft"),
              "Estimate": ("estimate_id", "estimate"),
              "WorkOrder": ("work_order_id", "work_order"),
              "Asset": ("asset_id", "asset")}
_PARTS = {"Comment": ("comment_id", "comment"),
          "EstimateLine": ("estimate_line_id", "estimate_line"),
          "WorkOrderLine": ("work_order_line_id", "work_order_line")}
assert {column for column, _ in _DOCUMENTS.values()} == set(DOCUMENT_COLUMNS)
assert {column for column, _ in _PARTS.values()} == set(PART_COLUMNS)


def storage() -> FileStorage:
    """The app's file storage: a folder under instance/ or an S3 bucket (README, Files)."""
    return current_app.extensions["files"]


@dataclass(frozen=True)
class Ready:
    """A checked upload, ready to store."""

    filename: str  # as it will be shown and downloaded (its extension: what is stored)
    digest: str  # SHA-256 of the bytes as uploaded
    prepared: Prepared


def posted(field: str = FIELD) -> list:
    """The files a form posted in `field` (an empty file input posts one nameless empty part)."""
    return [upload for upload in request.files.getlist(field)
            if upload.filename or upload.content_length]


def read(already: int = 0, field: str = FIELD) -> list[Ready]:
    """Check the files posted in `field` for an item that has `already` files; raise Refused
    with the field's message when one of them (or their number) is not accepted."""
    uploads = posted(field)
    if already + len(uploads) > MAX_PER_ITEM:
        left = max(MAX_PER_ITEM - already, 0)
        raise Refused(f"Up to {MAX_PER_ITEM} files per item: "
                      + (f"this one can take {left} more." if already else
                         f"you chose {len(uploads)}."))
    ready = []
    for upload in uploads:
        data = upload.stream.read(MAX_BYTES + 1)
        name = display_name(upload.filename)
        prepared = prepare(data, name)
        ready.append(Ready(filename=_with_extension(name, prepared.extension),
                           digest=hashlib.sha256(data).hexdigest(), prepared=prepared))
    return ready


def read_or_problem(already: int = 0, field: str = FIELD) -> tuple[list[Ready], str | None]:
    """read(), with a refusal as the field's message instead of an exception."""
    try:
        return read(already, field), None
    except Refused as refused:
        return [], str(refused)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\<>:\"|?*]+")


def display_name(raw: str | None) -> str:
    """A file name fit to show and to download: its last path part, without control or path
    characters, at most 100 characters ("file" when nothing is left)."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE.sub("-", name).strip(" .-") or "file"
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem[:100 - len(extension) - 1] if extension else name[:100]
    return f"{stem}.{extension}" if extension else stem


def _with_extension(name: str, extension: str) -> str:
    """The name with the extension of what is stored (a HEIC photo is kept as a JPEG)."""
    stem, dot, _ = name.rpartition(".")
    return f"{stem if dot and stem else name}.{extension}"


def owner_of(document, part=None) -> tuple[dict, str]:
    """The columns that name `document` (and `part`) on a file row, and the row's owner."""
    column, prefix = _DOCUMENTS[type(document).__name__]
    columns = {column: document.id}
    owner = f"{prefix}:{document.id}"
    if part is not None:
        part_column, part_prefix = _PARTS[type(part).__name__]
        columns[part_column] = part.id
        owner = f"{part_prefix}:{part.id}"
    return columns, owner


def count(document, part=None) -> int:
    """How many files the item (the part, or the document itself) has."""
    _, owner = owner_of(document, part)
    return db.session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.shop_id == document.shop_id, Attachment.owner == owner))


def attach(ready: list[Ready], document, part=None, *, by) -> list[int]:
    """Store the checked files on `document` (and `part`: a comment or a line), uploaded by
    `by` (a Contact or a StaffUser); return the ids of the rows added. A file the item has
    already (the same bytes: a double submit) is not added again. The caller commits."""
    columns, owner = owner_of(document, part)
    by_staff = isinstance(by, StaffUser)
    insert_for = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    added = []
    for upload in ready:
        prepared = upload.prepared
        base = f"shops/{document.shop_id}/{secrets.token_hex(16)}"
        key = f"{base}.{prepared.extension}"
        thumb_key = f"{base}-thumb.jpg" if prepared.thumbnail is not None else None
        storage().put(key, prepared.data, prepared.content_type)
        if thumb_key is not None:
            storage().put(thumb_key, prepared.thumbnail, "image/jpeg")
        ident = db.session.scalar(insert_for(Attachment).values(
            shop_id=document.shop_id, customer_id=document.customer_id, owner=owner,
            digest=upload.digest, kind=prepared.kind, filename=upload.filename,
            content_type=prepared.content_type, size=len(prepared.data), key=key,
            width=prepared.width, height=prepared.height, thumb_key=thumb_key,
            thumb_width=prepared.thumb_width, thumb_height=prepared.thumb_height,
            thumb_size=len(prepared.thumbnail) if prepared.thumbnail is not None else None,
            by_staff_id=by.id if by_staff else None,
            by_contact_id=None if by_staff else by.id, created_at=utcnow(), **columns)
            .on_conflict_do_nothing(index_elements=["shop_id", "owner", "digest"])
            .returning(Attachment.id))
        if ident is None:  # this item has these bytes already (another click, another tab)
            _delete_objects([key, thumb_key])
        else:
            added.append(ident)
    return added


def of(document, part=None) -> list[Attachment]:
    """The files of the item (the part, or the document itself), oldest first."""
    _, owner = owner_of(document, part)
    return list(db.session.scalars(select(Attachment).where(
        Attachment.shop_id == document.shop_id, Attachment.owner == owner)
        .order_by(Attachment.id)))


def of_document(document) -> list[Attachment]:
    """Every file of the document (its own, its comments' and its lines'), oldest first, in one
    query: group them with by_part()."""
    column, _ = _DOCUMENTS[type(document).__name__]
    return list(db.session.scalars(select(Attachment).where(
        Attachment.shop_id == document.shop_id, getattr(Attachment, column) == document.id)
        .order_by(Attachment.id)))


def by_part(files: list[Attachment], part_column: str | None = None) -> dict:
    """The files grouped by the part they belong to: {comment id: [files]} for
    part_column="comment_id"; with None, those of the document itself, under the key None."""
    grouped: dict = {}
    for found in files:
        if part_column is None:
            if all(getattr(found, column) is None for column in PART_COLUMNS):
                grouped.setdefault(None, []).append(found)
        elif getattr(found, part_column) is not None:
            grouped.setdefault(getattr(found, part_column), []).append(found)
    return grouped


def find(document, file_id: int) -> Attachment | None:
    """The document's file with this id (its own or one of its parts'), else None."""
    column, _ = _DOCUMENTS[type(document).__name__]
    return db.session.scalar(select(Attachment).where(
        Attachment.id == file_id, Attachment.shop_id == document.shop_id,
        getattr(Attachment, column) == document.id))


def remove(found: Attachment) -> None:
    """Remove one file: its row now, its stored objects too (a missing object is no error)."""
    keys = [found.key, found.thumb_key]
    db.session.execute(delete(Attachment).where(Attachment.id == found.id))
    _delete_objects(keys)


def remove_all(document, part=None) -> int:
    """Remove every file of the document (with `part`: of that part only) and their stored
    objects, before the document (or part) itself is deleted; return how many."""
    if part is None:
        column, _ = _DOCUMENTS[type(document).__name__]
        where = getattr(Attachment, column) == document.id
    else:
        where = Attachment.owner == owner_of(document, part)[1]
    rows = db.session.execute(select(Attachment.id, Attachment.key, Attachment.thumb_key).where(
        Attachment.shop_id == document.shop_id, where)).all()
    if rows:
        db.session.execute(delete(Attachment).where(Attachment.id.in_([row.id for row in rows])))
        _delete_objects([key for row in rows for key in (row.key, row.thumb_key)])
    return len(rows)


def move(draft, request_) -> None:
    """Move the files of a request form's draft onto the request it became."""
    db.session.execute(Attachment.__table__.update().where(
        Attachment.shop_id == draft.shop_id, Attachment.draft_id == draft.id)
        .values(draft_id=None, service_request_id=request_.id, owner=f"request:{request_.id}"))


def _delete_objects(keys) -> None:
    for key in keys:
        if key:
            try:
                storage().delete(key)
            except Missing:
                pass


def content(found: Attachment, thumbnail: bool = False) -> bytes:
    """The stored bytes of the file (or its thumbnail); Missing when the object is gone."""
    return storage().get(found.thumb_key if thumbnail and found.thumb_key else found.key)


def size_label(size: int) -> str:
    """"820 KB", "1.4 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


__all__ = ["ACCEPTED", "FIELD", "MAX_PER_ITEM", "Ready", "Refused", "TOO_LARGE",
           "UPLOAD_LIMIT", "attach", "by_part", "count", "display_name", "find", "move", "of",
           "of_document", "posted", "read", "read_or_problem", "remove", "remove_all",
           "size_label", "storage"]
