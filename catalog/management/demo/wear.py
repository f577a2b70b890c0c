"""Demo pictures of clothes and bags, laid flat: a T-shirt, a jumper, a tote bag."""

from PIL import ImageChops, ImageFilter

from catalog.management.demo.canvas import Canvas, colour, curve, tone, u


def _garment(c: Canvas, outline, rgb, bands=()):
    """A garment lying flat: its shadow, its shape, soft folds and ribbed bands."""
    c.drop_shadow(lambda p: p.polygon(outline))
    body = c.mask(lambda p: p.polygon(outline))
    c.paint(body, rgb, "flat")
    folds = c.mask(
        lambda p: [
            p.line(curve((380, 470), (430, 600), (400, 760)), 10),
            p.line(curve((610, 430), (580, 560), (630, 700)), 8),
        ]
    ).filter(ImageFilter.GaussianBlur(u(9)))
    c.paint(ImageChops.darker(folds, body), tone(rgb, 0.82), "none")
    for band in bands:
        c.fill(tone(rgb, 0.86), lambda p, b=band: p.polygon(b), "flat")


def _neck(c: Canvas, rgb):
    back = curve((440, 232), (500, 212), (560, 232))
    front = curve((560, 232), (500, 300), (440, 232))
    c.fill(tone(rgb, 0.62), lambda p: p.polygon(back + front), "flat")
    collar = curve((548, 240), (500, 292), (452, 240))  # its ends inside the neckline
    c.fill(tone(rgb, 0.88), lambda p: p.line(collar, 14), "flat")


def tshirt(c: Canvas, *, colour_name: str = "Navy"):
    """A crew-neck T-shirt laid flat."""
    rgb = colour(colour_name)
    outline = [
        (440, 230), (330, 262), (205, 372), (268, 462), (338, 418), (332, 810),
        (668, 810), (662, 418), (732, 462), (795, 372), (670, 262), (560, 230),
    ]  # fmt: skip
    hems = [
        [(205, 372), (268, 462), (282, 452), (220, 362)],
        [(795, 372), (732, 462), (718, 452), (780, 362)],
        [(332, 790), (668, 790), (668, 810), (332, 810)],
    ]
    _garment(c, outline, rgb, hems)
    _neck(c, rgb)


def jumper(c: Canvas, *, colour_name: str = "Forest"):
    """A crew-neck jumper laid flat: long sleeves, ribbed cuffs and hem."""
    rgb = colour(colour_name)
    outline = [
        (440, 230), (330, 262), (250, 420), (180, 760), (262, 778), (335, 470),
        (340, 810), (660, 810), (665, 470), (738, 778), (820, 760), (750, 420),
        (670, 262), (560, 230),
    ]  # fmt: skip
    cuffs = [
        [(180, 760), (262, 778), (270, 740), (188, 722)],
        [(820, 760), (738, 778), (730, 740), (812, 722)],
        [(340, 770), (660, 770), (660, 810), (340, 810)],
    ]
    _garment(c, outline, rgb, cuffs)
    knit = c.mask(lambda p: [p.rect((x, 240, x + 2, 810)) for x in range(345, 660, 12)])
    body = c.mask(lambda p: p.polygon(outline))
    c.paint(
        ImageChops.darker(knit, body).point(lambda v: v // 4), tone(rgb, 0.6), "none"
    )
    _neck(c, rgb)


def tote_bag(c: Canvas, *, colour_name: str = "Natural"):
    """A canvas tote bag: two long handles, a printed word."""
    rgb = colour(colour_name)
    c.shadow((280, 765, 720, 818))
    for (x0, x1, top), shade in (((410, 610, 170), 0.78), ((388, 588, 130), 1.0)):
        # The back handle, then the front one.
        c.fill(
            tone(rgb, shade),
            lambda p, a=x0, b=x1, t=top: p.line(
                curve((a, 412), ((a + b) / 2, t), (b, 412)), 22
            ),
            "flat",
        )
    bag = [(310, 400), (690, 400), (710, 790), (290, 790)]
    c.fill(rgb, lambda p: p.polygon(bag), "flat")
    c.fill(tone(rgb, 0.86), lambda p: p.rect((310, 400, 690, 425)), "flat")
    for x in (388, 588):
        c.fill(
            tone(rgb, 0.8), lambda p, x=x: p.rect((x - 26, 425, x + 26, 470)), "none"
        )
    ink = colour("Cream") if sum(rgb) < 250 else colour("Black")
    c.text((500, 610), "market", tone(ink, 1.0), 70, serif=True, bold=True)
    c.text((500, 670), "DAY", tone(ink, 1.0), 34, serif=False, bold=True)
