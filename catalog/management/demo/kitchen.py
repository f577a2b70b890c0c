"""Demo pictures of the kitchen: mugs, cups, a travel mug, a teapot, a skillet."""

import math
import random

from PIL import ImageChops

from catalog.management.demo.canvas import UNIT, Canvas, Pen, colour, curve, tone


def _speckles(c: Canvas, body, rgb, seed: int, count: int = 110):
    """Darker flecks of a stoneware glaze, inside the body's shape."""
    rng = random.Random(seed)
    left, top, right, bottom = (v / UNIT for v in body.getbbox())

    def dots(p: Pen):
        for _ in range(count):
            x, y = rng.uniform(left, right), rng.uniform(top, bottom)
            r = rng.uniform(1.5, 3.5)
            p.ellipse((x - r, y - r, x + r, y + r))

    c.paint(ImageChops.darker(c.mask(dots), body), tone(rgb, 0.62), "none")


def mug_at(
    c: Canvas, *, left, right, top, bottom, rgb, rim=None, speckled=False, seed=1
):
    """A mug with its handle on the right (and, enamelled, a coloured rim)."""
    height = bottom - top
    width = right - left
    c.shadow((left - 40, bottom - 26, right + 110, bottom + 30))
    handle_top, handle_bottom = top + height * 0.18, bottom - height * 0.24
    reach = width * 0.42

    def handle(p: Pen):
        p.ellipse((right - 40, handle_top, right + reach, handle_bottom))
        inset = width * 0.12
        p.ellipse(
            (right - 40 + inset * 0.8, handle_top + inset,
             right + reach - inset, handle_bottom - inset),
            fill=0,
        )  # fmt: skip

    c.fill(tone(rgb, 0.95), handle)
    body = c.mask(lambda p: p.rect((left, top, right, bottom), radius=width * 0.1))
    c.paint(body, rgb)
    if speckled:
        _speckles(c, body, rgb, seed)
    c.gloss((left + width * 0.16, top + 40, left + width * 0.27, bottom - 50), 0.22)
    lip = 0.1 * width
    c.fill(
        rim or tone(rgb, 1.08), lambda p: p.ellipse((left, top - lip, right, top + lip))
    )
    c.fill(
        tone(rgb, 0.68),
        lambda p: p.ellipse((left + 12, top - lip + 8, right - 12, top + lip - 8)),
        "flat",
    )
    if rim:  # an enamel mug's rim is a coloured band
        c.fill(rim, lambda p: p.rect((left, top, right, top + 14)), "cylinder")


def mug(c: Canvas, *, size: str = "450 ml", colour_name: str = "Cream"):
    """A stoneware mug, speckled glaze; the 300 ml one is shorter."""
    small = size.startswith("300")
    top = 470 if small else 390
    left, right = (355, 605) if small else (340, 620)
    mug_at(
        c, left=left, right=right, top=top, bottom=780, rgb=colour(colour_name),
        speckled=True, seed=len(size),
    )  # fmt: skip


def camping_mug(c: Canvas, *, colour_name: str = "White"):
    """An enamel camping mug with a navy rim."""
    mug_at(
        c, left=350, right=610, top=500, bottom=780, rgb=colour(colour_name),
        rim=colour("Navy"), speckled=True, seed=7,
    )  # fmt: skip


def espresso_cups(c: Canvas):
    """Two espresso cups on their saucers."""
    for cx, base, shade in ((350, 690, "Cream"), (650, 770, "Terracotta")):
        rgb = colour(shade)

        def at(points, cx=cx, base=base):
            return [(cx + x * 1.3, base + y * 1.3) for x, y in points]

        c.shadow((cx - 190, base - 15, cx + 200, base + 50), 0.3)
        c.fill(tone(rgb, 0.9), lambda p, at=at: p.polygon(at(_ellipse(0, 5, 140, 28))))
        c.fill(
            tone(rgb, 1.08), lambda p, at=at: p.polygon(at(_ellipse(0, -3, 120, 20)))
        )

        def handle(p: Pen, at=at):
            p.polygon(at(_ellipse(78, -80, 42, 46)))
            p.polygon(at(_ellipse(82, -80, 20, 26)), fill=0)

        c.fill(rgb, handle)
        c.fill(
            rgb,
            lambda p, at=at: p.polygon(
                at([(-85, -145), (85, -145), (62, -8), (-62, -8)])
            ),
        )
        c.fill(
            tone(rgb, 1.08), lambda p, at=at: p.polygon(at(_ellipse(0, -145, 85, 16)))
        )
        c.fill(
            (92, 58, 38),
            lambda p, at=at: p.polygon(at(_ellipse(0, -144, 74, 11))),
            "flat",
        )


def _ellipse(cx, cy, rx, ry, steps: int = 48):
    return [
        (
            cx + rx * math.cos(2 * math.pi * i / steps),
            cy + ry * math.sin(2 * math.pi * i / steps),
        )
        for i in range(steps)
    ]


def travel_mug(c: Canvas, *, colour_name: str = "Slate"):
    """An insulated travel mug with its lid."""
    rgb = colour(colour_name)
    c.shadow((360, 770, 660, 822))
    c.fill(rgb, lambda p: p.polygon([(395, 330), (605, 330), (585, 790), (415, 790)]))
    c.fill(
        tone(rgb, 0.8),
        lambda p: p.polygon([(403, 600), (597, 600), (596, 618), (404, 618)]),
    )
    c.gloss((430, 350, 455, 760), 0.28)
    c.fill(colour("Black"), lambda p: p.rect((385, 255, 615, 335), radius=16))
    c.fill(tone(colour("Black"), 1.3), lambda p: p.ellipse((385, 238, 615, 272)))
    c.fill(tone(colour("Black"), 0.8), lambda p: p.rect((540, 236, 600, 256), radius=8))


def teapot(c: Canvas, *, colour_name: str = "Sage"):
    """A round teapot: spout, handle, lid and knob."""
    rgb = colour(colour_name)
    c.shadow((270, 760, 760, 820))

    def spout(p: Pen):
        p.polygon(
            curve((370, 640), (270, 600), (215, 430))
            + curve((265, 420), (310, 520), (400, 545))
        )

    c.fill(tone(rgb, 0.95), spout, "flat")

    def handle(p: Pen):
        p.ellipse((560, 470, 760, 720))
        p.ellipse((600, 510, 715, 680), fill=0)

    c.fill(tone(rgb, 0.92), handle)
    c.fill(rgb, lambda p: p.ellipse((320, 450, 680, 790)))
    c.gloss((380, 520, 420, 700), 0.25)
    c.fill(tone(rgb, 1.05), lambda p: p.chord((390, 400, 610, 520), 180, 360))
    c.fill(tone(rgb, 0.85), lambda p: p.ellipse((390, 445, 610, 480)), "flat")
    c.fill(tone(rgb, 1.05), lambda p: p.ellipse((475, 375, 525, 420)))


def skillet(c: Canvas, *, size: str = "26 cm"):
    """A cast-iron skillet seen from a little above."""
    iron = colour("Iron")
    k = 0.85 if size.startswith("20") else 1.0
    cx, cy, rx, ry = 430, 600, 250 * k, 150 * k
    c.shadow((cx - rx - 10, cy + ry - 60, cx + rx + 30, cy + ry + 50))

    def handle(p: Pen):
        p.polygon([(cx + rx - 40, cy - 40), (cx + rx + 260, cy - 25),
                   (cx + rx + 260, cy + 25), (cx + rx - 40, cy + 40)])  # fmt: skip
        p.ellipse((cx + rx + 225, cy - 26, cx + rx + 290, cy + 26))
        p.ellipse((cx + rx + 245, cy - 10, cx + rx + 268, cy + 10), fill=0)

    c.fill(iron, handle, "flat")
    c.fill(
        tone(iron, 0.8),
        lambda p: p.ellipse((cx - rx, cy - ry + 30, cx + rx, cy + ry + 40)),
    )
    c.fill(tone(iron, 1.15), lambda p: p.ellipse((cx - rx, cy - ry, cx + rx, cy + ry)))
    inner = (cx - rx + 28, cy - ry + 22, cx + rx - 28, cy + ry - 14)
    c.fill(tone(iron, 0.9), lambda p: p.ellipse(inner), "flat")
    c.gloss((cx - rx * 0.55, cy - ry * 0.5, cx - rx * 0.15, cy - ry * 0.3), 0.12)
