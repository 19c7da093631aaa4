"""The shop's branding: a brand colour white text stays readable on, and a small logo.

A logo is accepted only as PNG or JPEG that Pillow can decode, is re-encoded (which drops
anything hidden after or inside the image data: a polyglot file keeps only its pixels) and
shrunk to fit the header; SVG is refused (it can carry script)."""

from __future__ import annotations

import hashlib
import io
import re
import warnings

from PIL import Image, UnidentifiedImageError

from portal_app.files.processing import complete

LOGO_MAX_BYTES = 512 * 1024  # what may be uploaded
LOGO_BOX = (480, 160)  # what is kept: at most this many pixels wide and high
LOGO_MAX_PIXELS = 25_000_000  # refuse decompression bombs before decoding them
MIN_CONTRAST = 4.5  # WCAG AA for normal text
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


class LogoRefused(Exception):
    """str() tells the Administrator what to upload instead."""


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def contrast_with_white(color: str) -> float:
    """The WCAG contrast ratio of white text on this #rrggbb colour (1 to 21)."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)
    return 1.05 / (luminance + 0.05)


def brand_color_problem(color: str) -> str | None:
    """Why a brand colour cannot be used, or None."""
    if not _HEX.fullmatch(color or ""):
        return "Enter a colour as # and six hex digits, for example #1f5f8b."
    ratio = contrast_with_white(color)
    if ratio < MIN_CONTRAST:
        return (f"White text on this colour is hard to read (contrast {ratio:.1f}:1; it needs "
                f"at least {MIN_CONTRAST}:1). Choose a darker colour.")
    return None


def prepare_logo(data: bytes) -> tuple[bytes, str, str]:
    """Check and re-encode an uploaded logo; return (bytes, MIME type, short hash)."""
    if not data:
        raise LogoRefused("Choose a PNG or JPEG file.")
    if len(data) > LOGO_MAX_BYTES:
        raise LogoRefused(f"The logo is {len(data) / 1024:,.0f} KB; keep it under "
                          f"{LOGO_MAX_BYTES // 1024} KB.")
    if data.lstrip()[:1] == b"<":
        raise LogoRefused("SVG and other text files can't be used. Upload a PNG or JPEG.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("PNG", "JPEG"):
                    raise LogoRefused("Upload a PNG or JPEG file.")
                if image.width * image.height > LOGO_MAX_PIXELS:
                    raise LogoRefused("That image is far too large. Upload a small logo.")
                if not complete(data, image.format.lower()):
                    raise OSError("the image is cut off")
                image.load()
                kept = image.convert("RGBA" if image.format == "PNG" else "RGB")
    except LogoRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise LogoRefused("That file is not a PNG or JPEG image we can read.") from error
    kept.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    if kept.mode == "RGBA":
        kept.save(out, "PNG", optimize=True)
        mime = "image/png"
    else:
        kept.save(out, "JPEG", quality=85, optimize=True)
        mime = "image/jpeg"
    encoded = out.getvalue()
    return encoded, mime, hashlib.sha256(encoded).hexdigest()[:16]
