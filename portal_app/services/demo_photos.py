"""The demo's photos, drawn with Pillow (no file from the internet, the same pixels every time):
an oil leak under a truck, for a service request, and worn brake pads on a rotor, for an
estimate line. Each is a JPEG a phone might send (640 x 480), stored by the demo through the
same service as an upload (services.attachments).
"""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

SIZE = (640, 480)


def _noise(size: tuple[int, int], sigma: float, seed: int) -> Image.Image:
    """Grey grain around mid-grey; Image.effect_noise has no seed, so it is drawn here."""
    rng = random.Random(seed)
    small = (size[0] // 2, size[1] // 2)
    grain = Image.new("L", small)
    grain.putdata([max(0, min(255, int(rng.gauss(128, sigma))))
                   for _ in range(small[0] * small[1])])
    return grain.resize(size, Image.Resampling.BILINEAR)


def _grain(image: Image.Image, sigma: float, seed: int, strength: float = 0.35) -> Image.Image:
    """Sensor grain and texture: the image with noise laid over it (soft light)."""
    noise = _noise(image.size, sigma, seed).convert("RGB")
    return Image.blend(image, ImageChops.soft_light(image, noise), strength)


def _vignette(image: Image.Image, amount: float = 0.45) -> Image.Image:
    """Darker corners, as a phone's lens leaves them."""
    mask = Image.radial_gradient("L").resize(image.size, Image.Resampling.BILINEAR)
    dark = Image.new("RGB", image.size, (0, 0, 0))
    mask = mask.point(lambda value: int(max(0, value - 90) * amount * 1.6))
    return Image.composite(dark, image, mask)


def _vertical_gradient(size, top, bottom) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), ramp)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def oil_leak() -> bytes:
    """A dark puddle of oil on a concrete floor under a truck's engine, drops falling into it."""
    width, height = SIZE
    rng = random.Random(21)
    # Concrete, lit from the shop door behind the photographer: lighter near, darker far.
    image = _vertical_gradient(SIZE, (92, 90, 86), (176, 172, 164))
    image = _grain(image, 40, seed=1, strength=0.55)
    draw = ImageDraw.Draw(image, "RGBA")
    # Expansion joints of the floor, in perspective.
    for x in (-220, 320, 860):
        draw.line([(width // 2 + (x - width // 2) // 4, 150), (x, height)],
                  fill=(70, 68, 64, 160), width=3)
    draw.line([(0, 300), (width, 292)], fill=(70, 68, 64, 140), width=3)
    # Old stains on the floor.
    for _ in range(14):
        x, y = rng.randrange(width), rng.randrange(170, height)
        r = rng.randrange(8, 30)
        draw.ellipse([x - r, y - r // 2, x + r, y + r // 2], fill=(60, 55, 48, 40))
    # The truck above: its dark underside, the oil pan and the front tyres at the edges.
    draw.rectangle([0, 0, width, 118], fill=(28, 28, 30, 255))
    draw.polygon([(0, 118), (width, 118), (width, 150), (0, 160)], fill=(38, 38, 40, 230))
    draw.rounded_rectangle([210, 70, 440, 150], radius=18, fill=(58, 58, 62, 255))
    draw.rounded_rectangle([230, 84, 420, 136], radius=12, fill=(74, 72, 70, 255))
    draw.ellipse([312, 128, 338, 150], fill=(40, 36, 30, 255))  # the drain plug, oily
    for left in (-60, width - 90):
        draw.rounded_rectangle([left, 20, left + 150, 260], radius=40, fill=(22, 22, 22, 255))
        for y in range(30, 250, 16):  # tread blocks
            draw.line([(left + 10, y), (left + 140, y + 6)], fill=(44, 44, 44, 255), width=4)
    # The puddle: overlapping blobs, black-brown, soft at the edge.
    puddle = Image.new("L", SIZE, 0)
    shape = ImageDraw.Draw(puddle)
    for cx, cy, rx, ry in ((325, 330, 150, 62), (250, 350, 90, 40), (410, 318, 80, 36),
                           (340, 380, 70, 30), (200, 330, 40, 20), (470, 345, 50, 22)):
        shape.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=255)
    puddle = puddle.filter(ImageFilter.GaussianBlur(6))
    oil = _vertical_gradient(SIZE, (18, 14, 10), (44, 32, 20))
    image = Image.composite(oil, image, puddle)
    # A sheen on the oil: the light of the door and faint rainbow colours.
    sheen = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    glow = ImageDraw.Draw(sheen)
    glow.ellipse([250, 318, 420, 352], outline=(190, 180, 160, 90), width=5)
    glow.arc([270, 330, 400, 372], 200, 340, fill=(120, 70, 150, 70), width=4)
    glow.arc([280, 336, 390, 378], 200, 340, fill=(70, 140, 120, 60), width=3)
    sheen = sheen.filter(ImageFilter.GaussianBlur(3))
    image = Image.alpha_composite(image.convert("RGBA"), sheen).convert("RGB")
    # Drops falling from the plug into the puddle, and ripples where they land.
    draw = ImageDraw.Draw(image, "RGBA")
    for y, r in ((170, 4), (215, 5), (262, 5)):
        draw.ellipse([325 - r, y - r * 2, 325 + r, y + r], fill=(30, 24, 18, 235))
    for r in (10, 22, 36):
        draw.ellipse([325 - r * 2, 330 - r // 2, 325 + r * 2, 330 + r // 2],
                     outline=(150, 140, 120, 70), width=2)
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    return _jpeg(_vignette(_grain(image, 18, seed=2, strength=0.25)))


def worn_brake_pads() -> bytes:
    """A brake rotor with scored rings and rust at its edge, the red caliper over it, and a
    pad taken out beside a yellow gauge: only a thin strip of friction material is left."""
    width, height = SIZE
    # The shop behind, out of focus.
    image = _vertical_gradient(SIZE, (70, 74, 80), (30, 32, 36))
    back = ImageDraw.Draw(image)
    for x, colour in ((40, (120, 90, 60)), (520, (60, 90, 120)), (600, (140, 140, 130))):
        back.rectangle([x, 20, x + 70, 200], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(18))
    image = _grain(image, 30, seed=3, strength=0.4)
    # The rotor: metal, darker towards the edge, a rusty outer band and scoring rings.
    cx, cy, radius = 250, 250, 200
    rotor = Image.radial_gradient("L").resize((2 * radius, 2 * radius))
    metal = Image.composite(Image.new("RGB", rotor.size, (78, 76, 74)),
                            Image.new("RGB", rotor.size, (186, 184, 180)),
                            rotor.point(lambda value: min(255, value * 2)))
    metal = _grain(metal, 55, seed=4, strength=0.5)
    ring = ImageDraw.Draw(metal, "RGBA")
    rng = random.Random(5)
    for r in range(60, radius - 18, 5):  # scoring from the worn pads
        shade = rng.randrange(90, 210)
        ring.ellipse([radius - r, radius - r, radius + r, radius + r],
                     outline=(shade, shade, shade - 6, 110), width=1)
    ring.ellipse([0, 0, 2 * radius - 1, 2 * radius - 1], outline=(128, 66, 30, 255), width=18)
    ring.ellipse([10, 10, 2 * radius - 11, 2 * radius - 11], outline=(150, 84, 40, 120), width=8)
    hub = radius // 2
    ring.ellipse([radius - hub, radius - hub, radius + hub, radius + hub],
                 fill=(96, 94, 92, 255), outline=(60, 58, 56, 255), width=4)
    for k in range(6):  # wheel studs
        angle = k * math.pi / 3
        sx, sy = radius + int(62 * math.cos(angle)), radius + int(62 * math.sin(angle))
        ring.ellipse([sx - 11, sy - 11, sx + 11, sy + 11], fill=(170, 160, 120, 255),
                     outline=(80, 76, 60, 255), width=2)
    ring.ellipse([radius - 28, radius - 28, radius + 28, radius + 28], fill=(24, 24, 26, 255))
    mask = Image.new("L", metal.size, 0)
    ImageDraw.Draw(mask).ellipse([0, 0, 2 * radius - 1, 2 * radius - 1], fill=255)
    shadow = Image.new("L", SIZE, 0)
    ImageDraw.Draw(shadow).ellipse([cx - radius + 14, cy - radius + 18, cx + radius + 14,
                                    cy + radius + 18], fill=150)
    image = Image.composite(Image.new("RGB", SIZE, (10, 10, 12)), image,
                            shadow.filter(ImageFilter.GaussianBlur(14)))
    image.paste(metal, (cx - radius, cy - radius), mask)
    draw = ImageDraw.Draw(image, "RGBA")
    # The caliper over the rotor's right side.
    draw.rounded_rectangle([380, 130, 470, 330], radius=26, fill=(168, 28, 30, 255))
    draw.rounded_rectangle([392, 146, 458, 314], radius=18, fill=(196, 44, 40, 255))
    draw.line([(400, 160), (400, 300)], fill=(235, 120, 110, 150), width=4)  # a highlight
    for y in (150, 310):
        draw.ellipse([413, y - 9, 431, y + 9], fill=(60, 60, 60, 255))
    # The pad taken out: its steel backing plate and a thin strip of friction material.
    draw.rounded_rectangle([476, 360, 626, 404], radius=10, fill=(46, 48, 50, 255))
    draw.rounded_rectangle([480, 402, 622, 409], radius=3, fill=(92, 70, 52, 255))  # ~2 mm
    draw.line([(484, 366), (618, 366)], fill=(110, 112, 114, 200), width=2)
    # A yellow pad gauge beside it, its ticks in black.
    draw.rectangle([470, 424, 630, 452], fill=(232, 192, 40, 255))
    for k, x in enumerate(range(476, 628, 8)):
        draw.line([(x, 424), (x, 432 if k % 5 else 440)], fill=(20, 20, 20, 255), width=2)
    draw.rectangle([470, 424, 630, 452], outline=(150, 120, 20, 255), width=2)
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    return _jpeg(_vignette(_grain(image, 16, seed=6, strength=0.2), amount=0.35))
