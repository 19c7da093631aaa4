"""Accepting an upload: type by content, EXIF and trailing data gone, upright, small thumbnails."""

import io
import random
import struct
import time
import zipfile
import zlib

import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile
from PIL.PngImagePlugin import PngInfo

from portal_app.files.processing import (
    ACCEPTED,
    MAX_BYTES,
    THUMBNAIL_MAX_BYTES,
    THUMBNAIL_MAX_WIDTH,
    Refused,
    prepare,
)

GPS = ExifTags.IFD.GPSInfo


def _exif_with_gps(orientation=None):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[GPS] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
    }
    return exif


def _photo(width, height, noisy=False, seed=1):
    """A photo-like RGB image: a gradient with a red block in its top-left corner, or noise.

    The noise comes in 10-pixel squares: finer noise averages out to grey in a 320 px thumbnail,
    this kind stays as hard to compress there as it is at full size.
    """
    if noisy:
        rng = random.Random(seed)
        size = (width // 10, height // 10)
        noise = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
        return noise.resize((width, height), Image.Resampling.NEAREST)
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    img.paste((220, 20, 20), (0, 0, width // 4, height // 4))
    return img


def _save(img, format_, **options):
    out = io.BytesIO()
    img.save(out, format=format_, **options)
    return out.getvalue()


def _open(data):
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _assert_no_metadata(data):
    img = _open(data)
    exif = img.getexif()
    assert dict(exif) == {}
    assert exif.get_ifd(GPS) == {}
    assert "exif" not in img.info
    assert "icc_profile" not in img.info


def _png_header_only(width, height):
    """A PNG whose header claims width x height pixels and that holds no pixel data."""

    def chunk(kind, body):
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_jpeg_with_gps_and_orientation_comes_back_upright_without_exif_or_trailing_data():
    original = _save(_photo(600, 400), "JPEG", quality=90, exif=_exif_with_gps(orientation=6))
    assert _open(original).getexif().get_ifd(GPS)  # the fixture really carries a position
    sent = original + b"TRAILING-SECRET" * 100

    prepared = prepare(sent, "leak.jpg")

    assert prepared.kind == "image"
    assert (prepared.content_type, prepared.extension) == ("image/jpeg", "jpg")
    # Orientation 6 means "rotate 90 degrees clockwise to view": 600x400 becomes 400x600.
    assert (prepared.width, prepared.height) == (400, 600)
    full = _open(prepared.data)
    assert full.format == "JPEG" and full.size == (400, 600)
    # The red block was top-left as stored; turned clockwise it is now top-right.
    r, g, b = full.getpixel((390, 10))
    assert r > 180 and g < 80 and b < 80
    r, g, b = full.getpixel((10, 10))
    assert not (r > 180 and g < 80)
    _assert_no_metadata(prepared.data)
    assert prepared.data.endswith(b"\xff\xd9")
    assert b"TRAILING-SECRET" not in prepared.data and b"PhoneMaker" not in prepared.data

    thumb = _open(prepared.thumbnail)
    assert thumb.format == "JPEG"
    assert thumb.size == (prepared.thumb_width, prepared.thumb_height) == (320, 480)
    assert len(prepared.thumbnail) <= THUMBNAIL_MAX_BYTES
    _assert_no_metadata(prepared.thumbnail)


def test_multi_picture_jpeg_keeps_only_its_first_picture():
    # Phones write MPO: a JPEG followed by more pictures (depth maps, previews) after its end.
    first, second = Image.new("RGB", (400, 300), "red"), Image.new("RGB", (400, 300), "blue")
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second], exif=_exif_with_gps())
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"

    prepared = prepare(out.getvalue(), "IMG_0002.JPG")

    full = _open(prepared.data)
    assert full.format == "JPEG" and getattr(full, "n_frames", 1) == 1
    assert b"MPF" not in prepared.data
    assert full.getpixel((200, 150))[0] > 240
    _assert_no_metadata(prepared.data)


def test_noisy_4000x3000_photo_gets_a_thumbnail_within_320px_and_20kb():
    sent = _save(_photo(4000, 3000, noisy=True), "JPEG", quality=75, exif=_exif_with_gps())
    assert len(sent) <= MAX_BYTES

    prepared = prepare(sent, "noise.jpg")

    assert (prepared.width, prepared.height) == (4000, 3000)
    assert prepared.thumb_width <= THUMBNAIL_MAX_WIDTH
    assert len(prepared.thumbnail) <= THUMBNAIL_MAX_BYTES
    thumb = _open(prepared.thumbnail)
    assert thumb.size == (prepared.thumb_width, prepared.thumb_height)
    assert abs(thumb.width / thumb.height - 4 / 3) < 0.02  # shrunk, not squashed
    _assert_no_metadata(prepared.data)
    _assert_no_metadata(prepared.thumbnail)


def test_noisy_portrait_photo_gets_a_smaller_thumbnail_rather_than_more_than_20kb():
    # At 320x427 even quality 40 is over 20 KB for this noise: the thumbnail has to get smaller.
    prepared = prepare(_save(_photo(3000, 4000, noisy=True, seed=2), "JPEG", quality=75), "n.jpg")

    assert (prepared.width, prepared.height) == (3000, 4000)
    assert prepared.thumb_width < THUMBNAIL_MAX_WIDTH
    assert len(prepared.thumbnail) <= THUMBNAIL_MAX_BYTES
    thumb = _open(prepared.thumbnail)
    assert thumb.size == (prepared.thumb_width, prepared.thumb_height)
    assert abs(thumb.width / thumb.height - 3 / 4) < 0.02


def test_plain_1200x800_photo_keeps_a_full_width_thumbnail():
    prepared = prepare(_save(_photo(1200, 800), "JPEG", quality=90), "plain.jpg")
    assert (prepared.thumb_width, prepared.thumb_height) == (320, 213)
    assert len(prepared.thumbnail) <= THUMBNAIL_MAX_BYTES


def test_png_stays_png_with_its_transparency_and_without_exif_or_text():
    img = Image.new("RGBA", (500, 300), (0, 0, 255, 0))
    img.paste((0, 128, 0, 255), (0, 0, 250, 300))
    info = PngInfo()
    info.add_text("Comment", "taken at 12 Acacia Avenue")
    sent = _save(img, "PNG", exif=_exif_with_gps(), pnginfo=info) + b"trailing"

    prepared = prepare(sent, "diagram.png")

    assert (prepared.content_type, prepared.extension) == ("image/png", "png")
    assert (prepared.width, prepared.height) == (500, 300)
    full = _open(prepared.data)
    assert full.format == "PNG" and full.mode == "RGBA"
    assert full.getpixel((400, 10))[3] == 0 and full.getpixel((10, 10)) == (0, 128, 0, 255)
    assert b"Acacia" not in prepared.data and not prepared.data.endswith(b"trailing")
    _assert_no_metadata(prepared.data)
    # The thumbnail is a JPEG: the transparent half is laid on white.
    thumb = _open(prepared.thumbnail)
    assert thumb.format == "JPEG" and thumb.size == (320, 192)
    assert all(channel > 240 for channel in thumb.getpixel((300, 100)))


def _swapped_primaries_profile():
    """A small ICC v2 RGB profile whose red is sRGB's blue and whose blue is sRGB's red."""

    def s15(*values):
        return b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    def xyz(*values):
        return b"XYZ " + bytes(4) + s15(*values)

    curve = b"curv" + bytes(4) + struct.pack(">IH", 1, 0x0233) + bytes(2)  # gamma 2.2
    tags = [
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.4361, 0.2225, 0.0139)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    header = (
        struct.pack(">II", offset + len(body), 0)
        + bytes([2, 0x10, 0, 0])  # version 2.1
        + b"mntrRGB XYZ "
        + bytes(12)  # date
        + b"acsp"
        + bytes(28)
        + s15(0.9642, 1.0, 0.8249)  # D50
        + bytes(48)
    )
    return header + table + body


def test_colour_profile_is_applied_and_not_carried():
    profile = _swapped_primaries_profile()
    sent = _save(Image.new("RGB", (300, 200), (255, 0, 0)), "PNG", icc_profile=profile)
    assert _open(sent).info["icc_profile"] == profile

    prepared = prepare(sent, "swatch.png")

    _assert_no_metadata(prepared.data)
    # The stored "red" means sRGB blue under its profile: the copy, without one, is blue.
    r, g, b = _open(prepared.data).getpixel((5, 5))
    assert r < 30 and g < 30 and b > 225
    r, g, b = _open(prepared.thumbnail).getpixel((5, 5))
    assert r < 30 and g < 30 and b > 225


def test_palette_png_keeps_its_transparent_colour():
    img = Image.new("P", (300, 200), 1)
    img.putpalette([255, 0, 0, 0, 255, 0])
    img.paste(0, (0, 0, 100, 200))
    prepared = prepare(_save(img, "PNG", transparency=1), "palette.png")
    full = _open(prepared.data)
    assert full.getpixel((50, 50)) == (255, 0, 0, 255)
    assert full.getpixel((250, 50))[3] == 0


def test_16_bit_greyscale_png_keeps_its_greys():
    # Each row: 150 pixels at 1800 / 65535 of white (7 in 8 bits), 150 at 60000 (234).
    row = struct.pack("<150H", *[1800] * 150) + struct.pack("<150H", *[60000] * 150)
    img = Image.frombytes("I;16", (300, 200), row * 200)
    prepared = prepare(_save(img, "PNG"), "scan.png")
    full = _open(prepared.data).convert("L")
    assert abs(full.getpixel((50, 50)) - 7) <= 1 and abs(full.getpixel((250, 50)) - 234) <= 1


def test_webp_stays_webp_without_exif():
    sent = _save(_photo(800, 600), "WEBP", quality=90, exif=_exif_with_gps(orientation=8))
    assert _open(sent).getexif().get_ifd(GPS)

    prepared = prepare(sent, "pads.webp")

    assert (prepared.content_type, prepared.extension) == ("image/webp", "webp")
    assert (prepared.width, prepared.height) == (600, 800)  # orientation 8 turns it too
    assert _open(prepared.data).format == "WEBP"
    _assert_no_metadata(prepared.data)
    _assert_no_metadata(prepared.thumbnail)
    assert (prepared.thumb_width, prepared.thumb_height) == (320, 427)


def test_heic_becomes_jpeg_without_exif():
    # pillow-heif's wheel carries libheif with an HEVC encoder, so the test makes a real HEIC
    sent = _save(_photo(640, 480), "HEIF", quality=80, exif=_exif_with_gps().tobytes())
    assert sent[4:12] == b"ftypheic"

    prepared = prepare(sent, "IMG_0001.HEIC")

    assert (prepared.content_type, prepared.extension) == ("image/jpeg", "jpg")
    assert (prepared.width, prepared.height) == (640, 480)
    assert _open(prepared.data).format == "JPEG"
    _assert_no_metadata(prepared.data)
    _assert_no_metadata(prepared.thumbnail)


def test_pdf_is_kept_byte_for_byte_without_a_thumbnail():
    sent = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    prepared = prepare(sent, "invoice.pdf")
    assert prepared.data == sent
    assert prepared.kind == "pdf"
    assert (prepared.content_type, prepared.extension) == ("application/pdf", "pdf")
    assert prepared.thumbnail is None and prepared.width is None


def _zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", b"not really")
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("leak.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("leak.jpg", b"<!doctype html><html><body><script>alert(1)</script></body></html>"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)),
        ("photos.zip", None),
        ("empty.jpg", b""),
        ("avif.heic", b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"),
    ],
)
def test_anything_else_is_refused_naming_what_is_accepted(filename, data):
    with pytest.raises(Refused) as refused:
        prepare(_zip() if data is None else data, filename)
    assert ACCEPTED in str(refused.value)
    assert filename in str(refused.value)


def test_a_file_that_only_starts_like_a_jpeg_is_refused():
    with pytest.raises(Refused, match="could not be read"):
        prepare(b"\xff\xd8\xff\xe0" + b"<html>" * 50, "fake.jpg")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_truncated_photo_is_refused(fmt):
    """Also with ImageFile.LOAD_TRUNCATED_IMAGES on, as it is for the whole process once
    WeasyPrint (the PDFs) is imported: Pillow alone would fill the missing half with grey."""
    import weasyprint  # noqa: F401  (the app imports it; it turns the flag on)

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    sent = _save(_photo(600, 400), fmt)
    with pytest.raises(Refused, match="could not be read"):
        prepare(sent[: len(sent) // 2], "cut." + fmt.lower())
    prepare(sent, "whole." + fmt.lower())


def test_over_10_mb_is_refused_with_the_size():
    sent = _save(_photo(64, 64), "JPEG")
    sent += bytes(12 * 1024 * 1024 - len(sent))
    with pytest.raises(Refused, match="larger than 10 MB"):
        prepare(sent, "huge.jpg")
    prepare(sent[:MAX_BYTES], "just-fits.jpg")  # 10 MB exactly (zeros trailing a JPEG) is fine


@pytest.mark.parametrize(("width", "height"), [(50_000, 50_000), (12_000, 10_000), (8_000, 6_000)])
def test_decompression_bomb_is_refused_before_decoding(width, height):
    # 2.5 gigapixels (Pillow's own error), 120 megapixels (Pillow's warning), 48 (our limit).
    started = time.monotonic()
    with pytest.raises(Refused, match="too many pixels"):
        prepare(_png_header_only(width, height), "bomb.png")
    assert time.monotonic() - started < 0.5
