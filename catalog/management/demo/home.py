"""Demo pictures of the home: lamps, candles, a cushion, a folded throw."""

from PIL import ImageChops, ImageFilter

from catalog.management.demo.canvas import Canvas, colour, curve, tone, turn, u


def desk_lamp(c: Canvas, *, finish: str = "Black"):
    """An anglepoise desk lamp: base, two arms, a shade lighting the table."""
    metal = colour(finish)
    c.glow((340, 790), 150, (255, 238, 190), 0.55)
    c.shadow((330, 765, 620, 815), 0.4)
    c.fill(tone(metal, 0.85), lambda p: p.rect((340, 760, 600, 795), radius=14))
    c.fill(tone(metal, 1.15), lambda p: p.ellipse((340, 742, 600, 778)))
    arms = [((470, 755), (560, 470)), ((560, 470), (420, 300))]
    for start, end in arms:
        c.fill(metal, lambda p, s=start, e=end: p.line([s, e], 20))
    for joint in ((470, 752), (560, 470), (420, 300)):
        x, y = joint
        c.fill(
            tone(metal, 1.1),
            lambda p, x=x, y=y: p.ellipse((x - 22, y - 22, x + 22, y + 22)),
        )
    centre = (420, 300)
    shade = turn([(385, 290), (455, 290), (540, 470), (300, 470)], 35, centre)
    c.fill(metal, lambda p: p.polygon(shade))
    mouth = turn([(300, 470), (540, 470)], 35, centre)
    (x0, y0), (x1, y1) = mouth
    c.glow(((x0 + x1) / 2, (y0 + y1) / 2 + 10), 70, (255, 240, 200), 0.9)
    c.fill(tone(metal, 0.7), lambda p: p.line(mouth, 14))
    if finish == "Brass":
        c.gloss((520, 480, 545, 700), 0.2)


def pendant_light(c: Canvas, *, shade_colour: str = "Forest"):
    """A dome pendant on its cord, its bulb lit."""
    rgb = colour(shade_colour)
    c.glow((500, 800), 230, (255, 240, 205), 0.5)
    c.fill((40, 40, 40), lambda p: p.rect((496, 0, 504, 300)), "none")
    c.fill(colour("Brass"), lambda p: p.rect((470, 285, 530, 335), radius=8))
    c.fill(tone(rgb, 0.55), lambda p: p.ellipse((280, 445, 720, 500)), "flat")
    c.glow((500, 500), 110, (255, 236, 180), 0.9)
    c.fill((255, 246, 214), lambda p: p.ellipse((455, 455, 545, 545)), "none")
    c.fill(rgb, lambda p: p.chord((280, 310, 720, 640), 180, 360))
    c.fill(tone(rgb, 1.2), lambda p: p.ellipse((280, 458, 720, 482)), "flat")
    c.gloss((340, 380, 380, 460), 0.2)


def candles(c: Canvas, *, wax: str = "Cream"):
    """Three pillar candles of different heights, lit."""
    rgb = colour(wax)
    c.shadow((250, 760, 760, 820))
    for cx, top, half in ((370, 520, 62), (520, 430, 70), (650, 590, 58)):
        c.fill(
            rgb,
            lambda p, cx=cx, t=top, h=half: p.rect((cx - h, t, cx + h, 790), radius=10),
        )
        c.fill(
            tone(rgb, 0.92),
            lambda p, cx=cx, t=top, h=half: p.ellipse((cx - h, t - 16, cx + h, t + 16)),
        )
        c.fill(
            tone(rgb, 0.8),
            lambda p, cx=cx, t=top: p.ellipse((cx - 30, t - 7, cx + 30, t + 7)),
            "flat",
        )
        c.fill(
            (50, 40, 30),
            lambda p, cx=cx, t=top: p.rect((cx - 3, t - 30, cx + 3, t)),
            "none",
        )
        c.glow((cx, top - 60), 60, (255, 214, 120), 0.6)
        flame = curve((cx, top - 28), (cx - 34, top - 60), (cx, top - 110)) + curve(
            (cx, top - 110), (cx + 34, top - 60), (cx, top - 28)
        )
        c.fill((255, 190, 70), lambda p, f=flame: p.polygon(f), "none")
        core = [(x + (cx - x) * 0.45, y + (top - 40 - y) * 0.4) for x, y in flame]
        c.fill((255, 246, 200), lambda p, f=core: p.polygon(f), "none")


def _puffy(left, top, right, bottom, dent: float) -> list[tuple[float, float]]:
    cx, cy = (left + right) / 2, (top + bottom) / 2
    return (
        curve((left, top), (cx, top + dent), (right, top))
        + curve((right, top), (right - dent, cy), (right, bottom))
        + curve((right, bottom), (cx, bottom - dent), (left, bottom))
        + curve((left, bottom), (left + dent, cy), (left, top))
    )


def cushion(c: Canvas, *, colour_name: str = "Oat"):
    """A square linen cushion, plump in the middle, a seam around it."""
    rgb = colour(colour_name)
    c.shadow((270, 750, 750, 815), 0.45)
    outline = _puffy(280, 330, 720, 790, 28)
    body = c.mask(lambda p: p.polygon(outline))
    c.paint(body, tone(rgb, 0.82), "flat")
    middle = c.mask(lambda p: p.polygon(_puffy(330, 380, 670, 740, 20)))
    middle = ImageChops.darker(middle.filter(ImageFilter.GaussianBlur(u(40))), body)
    c.paint(middle, tone(rgb, 1.06), "flat")
    seam = c.mask(lambda p: p.line(_puffy(298, 348, 702, 772, 24) + [(298, 348)], 3))
    c.paint(seam, tone(rgb, 0.7), "none")
    weave = c.mask(
        lambda p: [p.rect((290, y, 710, y + 1.5)) for y in range(340, 790, 9)]
    )
    c.paint(
        ImageChops.darker(weave, body).point(lambda v: v // 5), tone(rgb, 0.6), "none"
    )


def throw(c: Canvas, *, colour_name: str = "Oat", stripe: str = "Rust"):
    """A folded wool throw: three folds stacked, striped."""
    rgb, band = colour(colour_name), colour(stripe)
    c.shadow((240, 760, 770, 820), 0.45)
    folds = [(700, 795), (615, 705), (530, 620)]
    for top, bottom in folds:
        slab = c.mask(lambda p, t=top, b=bottom: p.rect((260, t, 740, b), radius=40))
        c.paint(slab, rgb, "flat")
        stripes = c.mask(
            lambda p: [p.rect((x, 0, x + 22, 1000)) for x in (330, 372, 600, 642)]
        )
        c.paint(ImageChops.darker(stripes, slab), band, "flat")
        edge = c.mask(lambda p, b=bottom: p.rect((270, b - 18, 730, b - 2), radius=8))
        c.paint(
            ImageChops.darker(edge, slab).point(lambda v: v // 3), (0, 0, 0), "none"
        )
    top_face = [(285, 480), (715, 480), (740, 540), (260, 540)]
    c.fill(tone(rgb, 1.06), lambda p: p.polygon(top_face), "flat")
    stripes = c.mask(
        lambda p: [
            p.polygon([(x - 8, 480), (x + 14, 480), (x + 22, 540), (x, 540)])
            for x in (330, 372, 600, 642)
        ]
    )
    c.paint(
        ImageChops.darker(stripes, c.mask(lambda p: p.polygon(top_face))), band, "flat"
    )
    c.fill(tone(rgb, 0.9), lambda p: p.rect((258, 530, 742, 560), radius=30), "flat")
    for x in range(280, 730, 14):  # the fringe at the front
        c.fill(
            tone(rgb, 0.85), lambda p, x=x: p.line([(x, 792), (x + 3, 828)], 4), "none"
        )


def plant_pot(c: Canvas, *, left, right, top, bottom, rgb, soil=True):
    """A tapered pot with its rim (and soil)."""
    inset = (right - left) * 0.12
    c.shadow((left - 30, bottom - 24, right + 40, bottom + 28))
    c.fill(rgb, lambda p: p.polygon([(left + 8, top), (right - 8, top),
                                     (right - inset, bottom), (left + inset, bottom)]))  # fmt: skip
    c.fill(
        tone(rgb, 1.06), lambda p: p.rect((left, top - 6, right, top + 44), radius=6)
    )
    c.fill(
        tone(rgb, 0.8),
        lambda p: p.rect((left + 6, top + 38, right - 6, top + 48)),
        "none",
    )
    if soil:
        c.fill(
            (72, 52, 38),
            lambda p: p.ellipse((left + 10, top - 18, right - 10, top + 10)),
            "flat",
        )
    else:
        c.fill(
            tone(rgb, 0.6),
            lambda p: p.ellipse((left + 10, top - 18, right - 10, top + 10)),
            "flat",
        )


def snake_plant(c: Canvas, *, pot: str = "17 cm"):
    """A snake plant in a terracotta pot: tall pointed leaves, yellow edged."""
    small = pot.startswith("12")
    k = 0.8 if small else 1.0
    left, right, top = 500 - 150 * k, 500 + 150 * k, 790 - 230 * k
    leaves = [(-70, 200, -150), (-30, 120, -40), (10, 60, 20), (50, 150, 80),
              (-100, 300, -210), (90, 260, 150), (-10, 240, -60)]  # fmt: skip
    for base, height, lean in leaves:
        x0 = 500 + base * k
        tip = (x0 + lean * k * 0.5, top - (420 + height * 0.6) * k + 60)
        half = 34 * k
        shape = curve(
            (x0 - half, top + 20), (x0 - half * 1.6, top - 200 * k), tip
        ) + curve(tip, (x0 + half * 1.6, top - 200 * k), (x0 + half, top + 20))
        c.fill((196, 190, 88), lambda p, s=shape: p.polygon(s), "flat")
        inner = [(x + (x0 - x) * 0.18, y + 10) for x, y in shape]
        c.fill((52, 102, 62), lambda p, s=inner: p.polygon(s))
        bands = c.mask(
            lambda p, x0=x0: [
                p.rect((x0 - 60, y, x0 + 60, y + 7)) for y in range(200, 800, 38)
            ]
        )
        c.paint(
            ImageChops.darker(bands, c.mask(lambda p, s=inner: p.polygon(s))),
            (40, 80, 48),
            "none",
        )
    plant_pot(c, left=left, right=right, top=top, bottom=790, rgb=colour("Terracotta"))


def money_plant(c: Canvas):
    """A Chinese money plant: round leaves on thin stems, in a white pot."""
    top = 560
    leaves = [(-170, 250), (-110, 150), (-40, 110), (40, 140), (120, 180), (180, 270),
              (-200, 370), (200, 390), (-70, 250), (70, 260), (0, 190), (-130, 330),
              (130, 330)]  # fmt: skip
    for dx, rise in leaves:
        x, y = 500 + dx, top - rise
        c.fill(
            (92, 120, 60),
            lambda p, x=x, y=y: p.line([(500 + 0.2 * (x - 500), top), (x, y + 40)], 6),
            "none",
        )
    for dx, rise in leaves:
        x, y = 500 + dx, top - rise
        r = 58 - rise * 0.05
        c.fill(
            colour("Leaf"),
            lambda p, x=x, y=y, r=r: p.ellipse(
                (x - r, y - r * 0.85, x + r, y + r * 0.85)
            ),
        )
        c.fill(
            (150, 190, 110),
            lambda p, x=x, y=y: p.ellipse((x - 6, y - 5, x + 6, y + 5)),
            "none",
        )
    plant_pot(c, left=370, right=630, top=top, bottom=790, rgb=colour("White"))


def planter(c: Canvas, *, size: str = "Medium"):
    """An empty terracotta planter on its saucer."""
    k = {"Small": 0.7, "Medium": 0.88, "Large": 1.05}.get(size, 0.88)
    half, height = 190 * k, 300 * k
    c.fill(
        tone(colour("Terracotta"), 0.9),
        lambda p: p.ellipse((500 - half - 20, 765, 500 + half + 20, 805)),
    )
    plant_pot(c, left=500 - half, right=500 + half, top=785 - height, bottom=785,
              rgb=colour("Terracotta"), soil=False)  # fmt: skip


def watering_can(c: Canvas, *, metal: str = "Steel"):
    """A galvanised watering can: body, handle over the top, long spout and rose."""
    rgb = colour(metal)
    c.shadow((200, 765, 680, 818))
    c.fill(
        tone(rgb, 0.9),
        lambda p: p.polygon([(400, 735), (430, 690), (215, 455), (195, 475)]),
    )
    c.fill(tone(rgb, 1.05), lambda p: p.ellipse((150, 415, 240, 505)))
    c.fill(tone(rgb, 0.7), lambda p: p.ellipse((165, 430, 225, 490)), "flat")
    c.fill(
        tone(rgb, 0.95), lambda p: p.line(curve((440, 535), (540, 300), (640, 535)), 28)
    )
    c.fill(rgb, lambda p: p.rect((400, 520, 660, 790), radius=24))
    c.fill(tone(rgb, 1.1), lambda p: p.ellipse((400, 505, 660, 545)))
    for y in (600, 700):
        c.fill(tone(rgb, 0.82), lambda p, y=y: p.rect((400, y, 660, y + 8)), "cylinder")
    c.gloss((440, 560, 465, 760), 0.3)
