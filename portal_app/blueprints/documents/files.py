"""A document's photos and files, served to whoever may see the document, and nobody else.

Every file has two URLs under the page of its document, for each audience:
`<document page>/files/<id>` (the file) and `<document page>/files/<id>/thumb` (an image's
thumbnail). The view loads the document with the document's own loader, so the file answers
exactly as its document does: another customer's or shop's is a 404, and so is a draft
estimate's in the portal. The file must belong to that document (its own, or a comment's or a
line's), else 404.

Files are streamed through the app, not handed out as presigned S3 links (README, Files): the
access check runs on every request, a link that leaks (forwarded, in a proxy's log) opens
nothing, and the bucket needs no public endpoint. An image is served inline as the JPEG, PNG or
WebP it was re-encoded to; a PDF is always a download (`Content-Disposition: attachment`).
Both are `Cache-Control: private` with `X-Content-Type-Options: nosniff` (web/headers.py).
"""

from __future__ import annotations

from flask import abort, flash, make_response

from portal_app.extensions import db
from portal_app.files.storage import Missing
from portal_app.services import attachments
from portal_app.web.headers import download
from portal_app.web.request import accepts_upload

# The page feature of each kind of document, whose blueprints carry its file URLs.
FEATURES = {"ServiceRequest": ("requests", "request_id"), "Estimate": ("estimates", "estimate_id"),
            "WorkOrder": ("work_orders", "work_order_id"), "Asset": ("assets", "asset_id")}
IMAGE_CACHE = "private, max-age=86400"  # a file never changes under its id

# A view whose form carries "Add photos or files": it takes up to ten 10 MB files (any other
# view keeps the app's 1 MB), and a larger body's 413 page says what fits.
takes_files = accepts_upload(attachments.UPLOAD_LIMIT, attachments.TOO_LARGE)


def serve(document, file_id: int, *, thumbnail: bool = False):
    """The file (or its thumbnail) `file_id` of `document`, already loaded for this audience."""
    found = attachments.find(document, file_id)
    if found is None or (thumbnail and found.thumb_key is None):
        abort(404)
    try:
        body = attachments.content(found, thumbnail)
    except Missing:
        abort(404)
    response = make_response(body)
    if not found.is_image:
        return download(response, found.filename, found.content_type)
    response.headers["Content-Type"] = "image/jpeg" if thumbnail else found.content_type
    response.headers["Cache-Control"] = IMAGE_CACHE
    return response


def remove(document, file_id: int) -> None:
    """Remove the document's file `file_id` (its own or a part's) with its stored objects,
    commit, and say so; a file that is not the document's (or is gone already) is a 404."""
    found = attachments.find(document, file_id)
    if found is None:
        abort(404)
    name = found.filename
    attachments.remove(found)
    db.session.commit()
    flash(f"Removed {name}.", "success")


def urls(audience, document, found) -> dict:
    """The file's URL and its thumbnail's (None for a PDF) for this audience, from the page of
    its document (templates: `file_urls(audience, document, file)`)."""
    if type(document).__name__ == "ServiceRequestDraft":  # the portal's request form only
        full = audience.url("requests.draft_file", file_id=found.id)
        return {"full": full, "thumb": full + "/thumb" if found.thumb_key else None}
    feature, key = FEATURES[type(document).__name__]
    values = {key: document.id, "file_id": found.id}
    return {"full": audience.url(f"{feature}.file_view", **values),
            "thumb": audience.url(f"{feature}.file_thumb", **values) if found.thumb_key else None}


def register(routes, rule: str, load, console: str | None = None) -> None:
    """Register a document's two file URLs under `rule` (and `console`) on both audiences;
    load(audience, ident) loads the document as its page does (404 when it may not see it)."""
    console = console or rule
    name = rule.rsplit(":", 1)[-1].rstrip(">")  # "estimate_id"

    def file_view(audience, file_id: int, **ids):
        return serve(load(audience, ids[name]), file_id)

    def file_thumb(audience, file_id: int, **ids):
        return serve(load(audience, ids[name]), file_id, thumbnail=True)

    routes.route(rule + "/files/<int:file_id>", console=console + "/files/<int:file_id>")(
        file_view)
    routes.route(rule + "/files/<int:file_id>/thumb",
                 console=console + "/files/<int:file_id>/thumb")(file_thumb)
