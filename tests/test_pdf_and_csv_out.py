"""The two ways documents leave the portal as files (issue 20): the PDF renderer's URL fetcher
reads only the portal's static files and the shop's logo, and a CSV download is UTF-8 with a
BOM, neutralises formulas and is streamed."""

from __future__ import annotations

import io
import socket
import tracemalloc

import pytest
from flask import render_template_string, url_for
from pypdf import PdfReader
from weasyprint import HTML

from portal_app.extensions import db
from portal_app.models import Shop
from portal_app.web.csv_out import cell, csv_lines, csv_response
from portal_app.web.pdf import BASE_URL, PortalFetcher, Refused

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101005a4d6f2b0000000049454e44ae426082")


@pytest.fixture
def fetcher(app):
    with app.test_request_context():
        yield PortalFetcher(app.static_folder, app.static_url_path, "/logo/1/abc", 1)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:9/",
    "https://127.0.0.1:9/static/css/print.css",
    "https://example.com/static/css/print.css",
    BASE_URL + "etc/passwd",
    BASE_URL + "static/../../../../etc/passwd",
    BASE_URL + "static/%2e%2e/%2e%2e/pyproject.toml",
    BASE_URL + "static/",
    BASE_URL + "logo/2/abc",
    "data:text/css,body{}",
    "ftp://127.0.0.1/x",
])
def test_the_fetcher_refuses_every_other_scheme_host_and_path(fetcher, url):
    with pytest.raises(Refused):
        fetcher.fetch(url)


def test_the_fetcher_serves_the_static_files(app, fetcher):
    with app.test_request_context():
        css = fetcher.fetch(BASE_URL + "static/css/print.css")
        assert b"body" in css.read()


def test_hostile_markup_in_a_pdf_is_text_and_nothing_is_fetched(app, make):
    """A description such as <img src="file:///etc/passwd"> prints as text, and a link to a
    listening port gets no connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    shop = make.shop("Harbor Diesel", slug="harbor-diesel")
    hostile = (f'<img src="file:///etc/passwd"> <link href="http://127.0.0.1:{port}/"> '
               f'<img src="http://127.0.0.1:{port}/x.png">')
    with app.test_request_context():
        html = render_template_string("<p>{{ text }}</p>", text=hostile)
        assert "&lt;img" in html
        pdf = HTML(string=html, base_url=BASE_URL,
                   url_fetcher=PortalFetcher(app.static_folder, app.static_url_path, None,
                                             None)).write_pdf()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert 'file:///etc/passwd' in text
    assert "root:x:" not in text
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


def test_a_pdf_shows_the_shops_logo_from_the_database(app, make):
    shop = make.shop("Harbor Diesel", slug="harbor-diesel")
    with app.test_request_context():
        shop = db.session.get(Shop, shop.id)
        shop.logo, shop.logo_type, shop.logo_hash = PNG_1X1, "image/png", "abc123"
        db.session.commit()
        fetched = []

        class Watching(PortalFetcher):
            def fetch(self, url, headers=None):
                fetched.append(url)
                return super().fetch(url, headers)

        logo = url_for("support.logo", shop_id=shop.id, logo_hash=shop.logo_hash)
        response = Watching(app.static_folder, app.static_url_path, logo, shop.id).fetch(
            BASE_URL + logo.lstrip("/"))
        assert response.read() == PNG_1X1
        assert fetched


def test_a_cell_that_starts_a_formula_is_prefixed():
    for value in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert cell(value) == "'" + value
    assert cell("Brake pads") == "Brake pads"
    assert cell(-1250) == "-1250"
    assert cell(None) == ""


def test_csv_lines_start_with_a_bom_and_quote_like_the_csv_module():
    lines = list(csv_lines(["Number", "Note"], [["INV-1", 'a "b", c'], ["=1+1", "x\ny"]]))
    assert lines[0] == "\ufeffNumber,Note\r\n"
    assert lines[1] == 'INV-1,"a ""b"", c"\r\n'
    assert lines[2] == "'=1+1,\"x\ny\"\r\n"


def test_a_large_csv_is_streamed_with_flat_memory(app):
    """100,000 rows go out line by line: the peak memory while sending them stays far below
    the size of the file."""
    def rows():
        for n in range(100_000):
            yield [f"INV-{n:06d}", "Brake pads and rotors, front axle", n * 100, "open"]

    with app.test_request_context():
        response = csv_response("invoices.csv", ["Number", "Description", "Total", "Status"],
                                rows())
        assert response.is_streamed
        tracemalloc.start()
        size = 0
        for chunk in response.response:
            size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert size > 5_000_000
    assert peak < size / 10
