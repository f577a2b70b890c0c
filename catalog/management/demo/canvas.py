"""What the demo pictures are drawn on: a soft backdrop (a wall meeting a table top), a
soft shadow under the thing, shapes shaded as if lit from the upper left, and the
picture scaled down from twice its size so that every edge is smooth.

Coordinates are on a 1000 × 1000 grid whatever the picture's size; a shape is drawn as a
mask (white where it is) with a :class:`Pen` and filled with its colour, shaded.
"""

import io
import math
from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = 800  # pixels of the picture saved
SCALE = 2  # drawn at twice the size, then scaled down: smooth edges
PIXELS = SIZE * SCALE
UNIT = PIXELS / 1000
FLOOR = 690  # where the wall meets the table top

RGB = tuple[int, int, int]

COLOURS: dict[str, RGB] = {
    "Navy": (38, 54, 88),
    "Heather Grey": (152, 154, 158),
    "Slate": (78, 90, 102),
    "Sage": (143, 166, 134),
    "Oat": (212, 197, 168),
    "Rust": (168, 84, 52),
    "Natural": (226, 212, 184),
    "Black": (44, 44, 48),
    "Terracotta": (188, 98, 66),
    "Brass": (196, 156, 78),
    "Red": (204, 52, 48),
    "Blue": (48, 102, 188),
    "Forest": (46, 84, 62),
    "Cream": (236, 228, 210),
    "Mustard": (212, 160, 48),
    "White": (240, 240, 236),
    "Steel": (168, 174, 180),
    "Iron": (58, 58, 62),
    "Wood": (196, 150, 100),
    "Leaf": (74, 128, 72),
}

# (wall, table top): soft, light, a little warm or cool.
BACKDROPS: list[tuple[RGB, RGB]] = [
    ((238, 233, 225), (222, 214, 202)),  # linen
    ((232, 236, 238), (214, 220, 224)),  # mist
    ((236, 238, 230), (218, 222, 208)),  # pale sage
    ((242, 232, 228), (226, 212, 206)),  # blush
    ((240, 236, 222), (224, 216, 196)),  # sand
]


def colour(name_or_rgb) -> RGB:
    return COLOURS[name_or_rgb] if isinstance(name_or_rgb, str) else name_or_rgb


def tone(rgb: RGB, factor: float) -> RGB:
    """Lighter (factor > 1, toward white) or darker (< 1)."""
    if factor >= 1:
        return tuple(round(c + (255 - c) * min(1.0, (factor - 1) * 1.6)) for c in rgb)
    return tuple(round(c * factor) for c in rgb)


def mix(a: RGB, b: RGB, share: float) -> RGB:
    return tuple(round(x + (y - x) * share) for x, y in zip(a, b, strict=True))


def _cylinder(t: float) -> float:
    """Brightness across a round thing lit from the left: a highlight at a third."""
    if t < 0.32:
        return 1.15 - 0.2 * ((0.32 - t) / 0.32) ** 2
    return 1.15 - 0.42 * ((t - 0.32) / 0.68) ** 2


SHADES: dict[str, Callable[[float], float]] = {
    "cylinder": _cylinder,
    "flat": lambda t: 1.05 - 0.1 * t,
    "none": lambda t: 1.0,
}


def u(value: float) -> float:
    return value * UNIT


class Pen:
    """ImageDraw on the 1000-unit grid; ``fill`` 255 draws the shape, 0 cuts a hole."""

    def __init__(self, image: Image.Image):
        self.draw = ImageDraw.Draw(image)

    @staticmethod
    def _box(box):
        return [u(v) for v in box]

    def ellipse(self, box, fill=255):
        self.draw.ellipse(self._box(box), fill=fill)

    def rect(self, box, fill=255, radius=0):
        self.draw.rounded_rectangle(self._box(box), radius=u(radius), fill=fill)

    def polygon(self, points: Sequence[tuple[float, float]], fill=255):
        self.draw.polygon([(u(x), u(y)) for x, y in points], fill=fill)

    def line(self, points, width: float, fill=255):
        self.draw.line(
            [(u(x), u(y)) for x, y in points], fill=fill, width=round(u(width)),
            joint="curve",
        )  # fmt: skip
        for x, y in (points[0], points[-1]):  # round ends
            r = width / 2
            self.ellipse((x - r, y - r, x + r, y + r), fill)

    def arc(self, box, start, end, width: float, fill=255):
        self.draw.arc(self._box(box), start, end, fill=fill, width=round(u(width)))

    def chord(self, box, start, end, fill=255):
        self.draw.chord(self._box(box), start, end, fill=fill)

    def pieslice(self, box, start, end, fill=255):
        self.draw.pieslice(self._box(box), start, end, fill=fill)


def _font(size: float, *, serif: bool, bold: bool) -> ImageFont.ImageFont:
    names = (
        ["DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf"]
        if serif and bold
        else ["DejaVuSerif.ttf", "LiberationSerif-Regular.ttf"]
        if serif
        else ["DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"]
        if bold
        else ["DejaVuSans.ttf", "LiberationSans-Regular.ttf"]
    )
    for name in names:
        try:
            return ImageFont.truetype(name, round(u(size)))
        except OSError:
            continue
    return ImageFont.load_default(size=round(u(size)))


class Canvas:
    """One picture; ``transparent`` for a part drawn upright and then turned
    (:meth:`place`)."""

    def __init__(self, backdrop: int = 0, *, transparent: bool = False):
        if transparent:
            self.image = Image.new("RGBA", (PIXELS, PIXELS), (0, 0, 0, 0))
            return
        wall, table = BACKDROPS[backdrop % len(BACKDROPS)]
        column = Image.new("RGB", (1, PIXELS))
        floor = u(FLOOR)
        blend = u(40)
        for y in range(PIXELS):
            if y < floor - blend:
                rgb = tone(wall, 1.03 - 0.05 * y / floor)
            else:
                share = min(1.0, (y - floor + blend) / (2 * blend))
                depth = (y - floor) / (PIXELS - floor) if y > floor else 0
                rgb = mix(tone(wall, 0.98), tone(table, 1.02 - 0.08 * depth), share)
            column.putpixel((0, y), rgb)
        self.image = column.resize((PIXELS, PIXELS)).convert("RGBA")

    def mask(self, draw: Callable[[Pen], None]) -> Image.Image:
        mask = Image.new("L", (PIXELS, PIXELS), 0)
        draw(Pen(mask))
        return mask

    def fill(self, rgb, draw: Callable[[Pen], None], shade: str = "cylinder"):
        """Draw a shape (``draw`` on a Pen) in ``rgb``, shaded across its width."""
        self.paint(self.mask(draw), colour(rgb), shade)

    def paint(self, mask: Image.Image, rgb: RGB, shade: str = "cylinder"):
        box = mask.getbbox()
        if box is None:
            return
        left, top, right, bottom = box
        width, height = right - left, bottom - top
        if shade == "vertical":  # a round thing lying down: lit from above
            steps = [
                tone(rgb, _cylinder(y / max(height - 1, 1))) for y in range(height)
            ]
            strip = Image.new("RGB", (1, height))
        else:
            profile = SHADES[shade]
            steps = [tone(rgb, profile(x / max(width - 1, 1))) for x in range(width)]
            strip = Image.new("RGB", (width, 1))
        strip.putdata(steps)
        strip = strip.resize((width, height), Image.Resampling.NEAREST)
        self.image.paste(strip, (left, top), mask.crop(box))

    def shadow(self, box, strength: float = 0.35, blur: float = 18):
        """A soft shadow on the table (an ellipse, blurred)."""
        mask = Image.new("L", (PIXELS, PIXELS), 0)
        Pen(mask).ellipse(box, fill=round(255 * strength))
        self.darken(mask.filter(ImageFilter.GaussianBlur(u(blur))))

    def drop_shadow(self, draw: Callable[[Pen], None], offset=(14, 18), blur=14):
        """The shadow of a thing lying flat: its own shape, moved and blurred."""
        mask = self.mask(draw).point(lambda v: v * 0.45)
        mask = mask.transform(
            mask.size,
            Image.Transform.AFFINE,
            (1, 0, -u(offset[0]), 0, 1, -u(offset[1])),
        )
        self.darken(mask.filter(ImageFilter.GaussianBlur(u(blur))))

    def darken(self, mask: Image.Image):
        self.image.paste((52, 44, 38, 255), (0, 0), mask)

    def glow(self, centre, radius: float, rgb=(255, 226, 150), strength=0.7):
        """Light around a flame or a bulb."""
        x, y = centre
        mask = Image.new("L", (PIXELS, PIXELS), 0)
        Pen(mask).ellipse(
            (x - radius, y - radius, x + radius, y + radius), fill=round(255 * strength)
        )
        mask = mask.filter(ImageFilter.GaussianBlur(u(radius / 2)))
        self.image.paste((*rgb, 255), (0, 0), mask)

    def gloss(self, box, strength: float = 0.35, radius: float = 20):
        """A soft highlight on something shiny."""
        mask = Image.new("L", (PIXELS, PIXELS), 0)
        Pen(mask).rect(box, fill=round(255 * strength), radius=radius)
        mask = mask.filter(ImageFilter.GaussianBlur(u(6)))
        self.image.paste((255, 255, 255, 255), (0, 0), mask)

    def text(self, xy, text: str, rgb, size: float, *, serif=True, bold=True):
        """Text centred on ``xy``."""
        draw = ImageDraw.Draw(self.image)
        font = _font(size, serif=serif, bold=bold)
        draw.text((u(xy[0]), u(xy[1])), text, fill=colour(rgb), font=font, anchor="mm")

    def text_width(self, text: str, size: float, *, serif=True, bold=True) -> float:
        font = _font(size, serif=serif, bold=bold)
        return font.getlength(text) / UNIT

    def place(self, part: "Canvas", angle: float = 0, centre=(500, 500), shadow=None):
        """Paste a part drawn upright around ``centre``, turned by ``angle`` degrees
        (anticlockwise); ``shadow``: the offset of its shadow when it lies flat."""
        turned = part.image.rotate(
            angle,
            resample=Image.Resampling.BICUBIC,
            center=(u(centre[0]), u(centre[1])),
        )
        if shadow:
            mask = turned.getchannel("A").point(lambda v: v * 0.4)
            mask = mask.transform(
                mask.size,
                Image.Transform.AFFINE,
                (1, 0, -u(shadow[0]), 0, 1, -u(shadow[1])),
            )
            self.darken(mask.filter(ImageFilter.GaussianBlur(u(10))))
        self.image.alpha_composite(turned)

    def jpeg(self) -> bytes:
        picture = self.image.convert("RGB").resize(
            (SIZE, SIZE), Image.Resampling.LANCZOS
        )
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=88, optimize=True)
        return buffer.getvalue()


def curve(start, control, end, steps: int = 24) -> list[tuple[float, float]]:
    """Points along a quadratic Bézier curve."""
    points = []
    for i in range(steps + 1):
        t = i / steps
        x = (1 - t) ** 2 * start[0] + 2 * (1 - t) * t * control[0] + t**2 * end[0]
        y = (1 - t) ** 2 * start[1] + 2 * (1 - t) * t * control[1] + t**2 * end[1]
        points.append((x, y))
    return points


def turn(points, angle: float, centre) -> list[tuple[float, float]]:
    """Points turned by ``angle`` degrees (clockwise on screen) about ``centre``."""
    a = math.radians(angle)
    cx, cy = centre
    return [
        (
            cx + (x - cx) * math.cos(a) - (y - cy) * math.sin(a),
            cy + (x - cx) * math.sin(a) + (y - cy) * math.cos(a),
        )
        for x, y in points
    ]
