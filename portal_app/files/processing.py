"""Accept an uploaded photo or PDF: recognise it by its content, clean it and make its thumbnail.

Images are decoded (within a pixel limit against decompression bombs), turned upright from their
EXIF orientation and re-encoded, so no EXIF (GPS position included), comment or trailing data
survives; colours are converted to sRGB so the copies need no ICC profile. PDFs are kept as sent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageOps

pillow_heif.register_heif_opener()

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMBNAIL_MAX_WIDTH = 320
THUMBNAIL_MAX_HEIGHT = 640  # a tall strip still gets a thumbnail a page can lay out
THUMBNAIL_MAX_BYTES = 20 * 1024
THUMBNAIL_CONTENT_TYPE = "image/jpeg"

ACCEPTED = "Upload a photo (JPEG, PNG, WebP or HEIC) or a PDF."

# Brands of an ISO media "ftyp" box that mean HEVC-coded HEIF (AVIF uses "avif"/"avis").
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

# sniffed kind -> (Pillow format to decode with, format to re-encode to, content type, extension)
_IMAGE_FORMATS = {
    "jpeg": ("JPEG", "JPEG", "image/jpeg", "jpg"),
    "png": ("PNG", "PNG", "image/png", "png"),
    "webp": ("WEBP", "WEBP", "image/webp", "webp"),
    "heif": ("HEIF", "JPEG", "image/jpeg", "jpg"),
}


class Refused(ValueError):
    """An upload we don't keep; the message is meant for the person who sent it."""


@dataclass(frozen=True)
class Prepared:
    """An upload ready to store: the cleaned file and, for an image, its thumbnail (JPEG)."""

    kind: str  # "image" or "pdf"
    content_type: str
    extension: str
    data: bytes
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None
    thumb_width: int | None = None
    thumb_height: int | None = None


def prepare(data: bytes, filename: str) -> Prepared:
    """Check an upload by its content and return the copy to keep; raise Refused otherwise."""
    name = filename or "The file"
    if len(data) > MAX_BYTES:
        raise Refused(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB. {ACCEPTED}")
    kind = sniff(data)
    if kind is None:
        raise Refused(f"{name} is not a photo or a PDF. {ACCEPTED}")
    if kind == "pdf":
        return Prepared(kind="pdf", content_type="application/pdf", extension="pdf", data=data)
    return _prepare_image(data, kind, name)


def sniff(data: bytes) -> str | None:
    """Name the accepted type the bytes start like: jpeg, png, webp, heif, pdf; or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[4:8] == b"ftyp":
        box_size = int.from_bytes(data[:4], "big")
        brands = {data[i : i + 4] for i in range(8, min(box_size, len(data), 64), 4)}
        brands.discard(data[12:16])  # the minor version, not a brand
        if brands & _HEIF_BRANDS and not brands & {b"avif", b"avis"}:
            return "heif"
    return None


def complete(data: bytes, kind: str) -> bool:
    """Whether a JPEG or PNG (`kind` "jpeg" or "png") is whole. Pillow would fill a cut-off image with grey without a
    word once any module has set ImageFile.LOAD_TRUNCATED_IMAGES (WeasyPrint does, on import,
    for the whole process), so its decoder cannot be the judge: a JPEG must end its first scan
    with an end-of-image marker (0xFFD9 cannot occur inside entropy-coded data, and an EXIF
    thumbnail's comes before the first scan), a PNG must pass verify() (every chunk's CRC and
    the IEND chunk). WebP and HEIF decoders refuse a cut-off file by themselves."""
    if kind == "jpeg":
        scan = data.find(b"\xff\xda")
        return scan != -1 and data.find(b"\xff\xd9", scan) != -1
    if kind == "png":
        try:
            with Image.open(io.BytesIO(data), formats=["PNG"]) as checked:
                checked.verify()
        except (OSError, ValueError, SyntaxError):
            return False
    return True


def _prepare_image(data: bytes, kind: str, name: str) -> Prepared:
    decode_as, encode_as, content_type, extension = _IMAGE_FORMATS[kind]
    unreadable = Refused(f"{name} could not be read as a photo. {ACCEPTED}")
    megapixels = MAX_PIXELS // 1_000_000
    too_large = Refused(f"{name} has too many pixels (at most {megapixels} megapixels).")
    try:
        # Pillow raises above twice its own limit and warns above it (an error under pytest);
        # our lower limit is checked on the header's size, before any pixel is decoded.
        img = Image.open(io.BytesIO(data), formats=[decode_as])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except (OSError, ValueError, SyntaxError):
        raise unreadable from None
    with img:
        if img.width * img.height > MAX_PIXELS:
            raise too_large
        if not complete(data, kind):
            raise unreadable
        try:
            img.load()
            upright = _upright_srgb(img)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise unreadable from None

    if encode_as == "JPEG":
        full = _encode_jpeg(_opaque(upright), quality=85)
    elif encode_as == "PNG":
        full = _encode(upright, "PNG", compress_level=6)
    else:
        full = _encode(upright, "WEBP", quality=85, method=4)
    thumbnail, thumb_size = _thumbnail(_opaque(upright))
    return Prepared(
        kind="image",
        content_type=content_type,
        extension=extension,
        data=full,
        width=upright.width,
        height=upright.height,
        thumbnail=thumbnail,
        thumb_width=thumb_size[0],
        thumb_height=thumb_size[1],
    )


def _upright_srgb(img: Image.Image) -> Image.Image:
    """Return a new image turned upright, in sRGB, in a mode we can save, carrying no metadata."""
    upright = ImageOps.exif_transpose(img)
    if upright.mode.startswith("I;16"):
        # 16-bit greyscale (PNG): Pillow's convert() would clip it to white, so scale it to 8 bits.
        upright = upright.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    icc = upright.info.get("icc_profile")
    if upright.mode not in ("RGB", "RGBA", "L", "LA") or (icc and upright.mode in ("L", "LA")):
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            upright = ImageCms.profileToProfile(upright, source, srgb, outputMode=upright.mode)
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: the pixels are shown as sRGB, as browsers would anyway
    # Nothing from the upload's metadata (EXIF, XMP, comments, profile) goes to the encoder.
    upright.info = {}
    return upright


def _opaque(img: Image.Image) -> Image.Image:
    """Lay an image with transparency on white, for JPEG."""
    if img.mode in ("RGB", "L"):
        return img
    rgba = img.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _thumbnail(img: Image.Image) -> tuple[bytes, tuple[int, int]]:
    """Shrink to at most 320 px wide and lower quality, then size, until the JPEG fits in 20 KB."""
    box = (THUMBNAIL_MAX_WIDTH, THUMBNAIL_MAX_HEIGHT)
    while True:
        small = img.copy()
        small.thumbnail(box, Image.Resampling.LANCZOS)
        for quality in (80, 70, 60, 50, 40):
            encoded = _encode_jpeg(small, quality=quality)
            if len(encoded) <= THUMBNAIL_MAX_BYTES:
                return encoded, small.size
        if small.width <= 16 and small.height <= 16:
            return encoded, small.size  # never reached by a real photo; don't loop forever
        box = (max(16, int(small.width * 0.8)), max(16, int(small.height * 0.8)))


def _encode_jpeg(img: Image.Image, quality: int) -> bytes:
    return _encode(img, "JPEG", quality=quality, optimize=True, progressive=True)


def _encode(img: Image.Image, format_: str, **options) -> bytes:
    out = io.BytesIO()
    img.save(out, format=format_, **options)
    return out.getvalue()
