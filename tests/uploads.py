"""Files to upload in tests (issue 21): a phone photo with GPS tags in its EXIF, a PNG, a PDF,
and what must be refused; and what a test checks about stored files."""

from __future__ import annotations

import io
import random

from PIL import ExifTags, Image

GPS = ExifTags.IFD.GPSInfo
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML_AS_JPG = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def photo(width: int = 1600, height: int = 1200, *, gps: bool = True, seed: int = 7) -> bytes:
    """A noisy JPEG (like a real photo, so its thumbnail has to work to stay small) with EXIF
    GPS tags and a camera model, as a phone writes them."""
    rng = random.Random(seed)
    small = Image.new("RGB", (width // 8, height // 8))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                   for _ in range((width // 8) * (height // 8))])
    image = small.resize((width, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Phone 12"
    if gps:
        exif[GPS] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 22.0, 1.0),
                     ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (4.0, 53.0, 2.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def png(width: int = 400, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (31, 95, 139)).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
            b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def too_big() -> bytes:
    """12 MB that start like a JPEG."""
    return b"\xff\xd8\xff\xe0" + b"\0" * (12 * 1024 * 1024)


def file_part(data: bytes, name: str, content_type: str = "application/octet-stream"):
    """One file of a multipart post with the test client: data={"files": [file_part(...)]}."""
    return (io.BytesIO(data), name, content_type)


def has_no_exif(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return not image.getexif() and "exif" not in image.info


def stored_keys(app) -> set[str]:
    """Every object in the app's file storage (the folder of the test app)."""
    from pathlib import Path

    root = Path(app.config["FILES_FOLDER"])
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def post_files(client, url: str, fields: dict | None = None, files=(), field: str = "files",
               headers: dict | None = None):
    """POST a multipart form with `files` ((data, name, content type) tuples, file_part()) and
    the CSRF token, its body built in memory: the test client would spool a body over 500 KB to
    a temporary file it never closes (a ResourceWarning, an error under this suite's filters)."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    form = [("csrf_token", client.csrf_token()), *(fields or {}).items()]
    form += [(field, FileStorage(stream=stream, filename=name, content_type=content_type))
             for stream, name, content_type in files]
    boundary, body = encode_multipart(MultiDict(form))
    return client.post(url, data=body, headers=headers or {},
                       content_type=f"multipart/form-data; boundary={boundary}")

