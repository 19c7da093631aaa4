"""PDFs: a print template rendered by WeasyPrint, as a download.

The HTML of a print view is the PDF's source (one template path, no second layout). WeasyPrint
fetches what the HTML links to through `PortalFetcher`, which reads only two things: the
portal's own static files (the print stylesheet) and the logo of the shop the PDF is for. Every
other scheme, host and path is refused before anything is opened, so a line description such as
`<img src="file:///etc/passwd">` (which the template escapes anyway) can never make the server
read a file or call a URL."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, make_response, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import undefer
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal_app.extensions import db
from portal_app.models import Shop
from portal_app.web.headers import download

BASE_URL = "https://portal.invalid/"  # relative links in the print HTML resolve under it
PDF_TYPE = "application/pdf"

logging.getLogger("weasyprint").setLevel(logging.ERROR)  # a refused URL is not worth a warning
logging.getLogger("fontTools").setLevel(logging.ERROR)


class Refused(ValueError):
    """A URL the PDF may not fetch."""


class PortalFetcher(URLFetcher):
    """Serve the portal's static files and one shop's logo; refuse everything else."""

    def __init__(self, static_folder: str, static_path: str, logo_path: str | None,
                 shop_id: int | None) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self._static = Path(static_folder).resolve()
        self._static_path = static_path.rstrip("/") + "/"
        self._logo_path = logo_path
        self._shop_id = shop_id

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc != urlsplit(BASE_URL).netloc:
            raise Refused(f"not the portal's own file: {url[:80]}")
        path = unquote(parts.path)
        if self._logo_path is not None and path == self._logo_path:
            shop = db.session.scalar(select(Shop).options(undefer(Shop.logo))
                                     .where(Shop.id == self._shop_id))
            if shop is None or shop.logo is None:
                raise Refused("the shop has no logo")
            return URLFetcherResponse(url, shop.logo, {"Content-Type": shop.logo_type})
        if not path.startswith(self._static_path):
            raise Refused(f"outside the static files: {path[:80]}")
        file = (self._static / path[len(self._static_path):]).resolve()
        if not file.is_relative_to(self._static) or not file.is_file():
            raise Refused(f"outside the static files: {path[:80]}")
        kind = "text/css" if file.suffix == ".css" else "application/octet-stream"
        return URLFetcherResponse(url, file.read_bytes(), {"Content-Type": kind})


def render_pdf(template: str, *, shop=None, **context) -> bytes:
    """The PDF of `template` (a print template) with `context`; `shop` is whose logo it may
    show."""
    html = render_template(template, shop=shop, pdf=True, **context)
    logo_path = None
    if shop is not None and shop.logo_hash:
        logo_path = url_for("support.logo", shop_id=shop.id, logo_hash=shop.logo_hash)
    fetcher = PortalFetcher(current_app.static_folder, current_app.static_url_path, logo_path,
                            shop.id if shop is not None else None)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


def pdf_response(template: str, filename: str, *, shop=None, **context):
    """`template` as a PDF download named `filename` (which should hold the document number)."""
    return download(make_response(render_pdf(template, shop=shop, **context)), filename,
                    PDF_TYPE)
