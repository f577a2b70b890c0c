"""Demo pictures of camping gear and toys: a tent, a lantern, a wooden train, a jigsaw
puzzle, a kite."""

from catalog.management.demo.canvas import Canvas, colour, curve, tone


def tent(c: Canvas, *, colour_name: str = "Mustard"):
    """A two-person dome tent, its door open, guy lines pegged."""
    rgb = colour(colour_name)
    c.shadow((170, 760, 850, 830), 0.4)
    for start, end in (((300, 520), (150, 790)), ((700, 520), (850, 790))):
        c.fill((90, 90, 90), lambda p, s=start, e=end: p.line([s, e], 3), "none")
    body = curve((210, 790), (230, 420), (500, 390)) + curve(
        (500, 390), (770, 420), (790, 790)
    )
    c.fill(rgb, lambda p: p.polygon(body), "flat")
    side = curve((500, 390), (770, 420), (790, 790)) + [(500, 790)]
    c.fill(tone(rgb, 0.84), lambda p: p.polygon(side), "flat")
    door = curve((390, 790), (400, 520), (500, 480)) + curve(
        (500, 480), (600, 520), (610, 790)
    )
    c.fill((46, 40, 36), lambda p: p.polygon(door), "flat")
    flap = curve((500, 480), (560, 560), (610, 790)) + [(640, 790), (600, 560)]
    c.fill(tone(rgb, 0.7), lambda p: p.polygon(flap), "flat")
    for pole in (
        curve((210, 790), (230, 420), (500, 390)),
        curve((500, 390), (770, 420), (790, 790)),
    ):
        c.fill(tone(rgb, 0.55), lambda p, q=pole: p.line(q, 8), "none")
    c.fill(tone(rgb, 0.5), lambda p: p.rect((200, 786, 800, 798), radius=4), "none")


def lantern(c: Canvas):
    """A camping lantern, lit: handle, cap, glass and base."""
    dark = colour("Forest")
    c.glow((500, 600), 220, (255, 230, 160), 0.55)
    c.shadow((370, 765, 630, 815))
    c.fill((60, 60, 60), lambda p: p.arc((420, 300, 580, 480), 180, 360, 10), "none")
    c.fill(dark, lambda p: p.rect((390, 740, 610, 792), radius=14))
    c.fill(
        (255, 244, 210), lambda p: p.rect((420, 470, 580, 745), radius=10), "cylinder"
    )
    c.glow((500, 610), 60, (255, 255, 235), 0.9)
    for x in (420, 500, 580):
        c.fill(tone(dark, 0.8), lambda p, x=x: p.rect((x - 6, 470, x + 6, 745)))
    c.fill(dark, lambda p: p.rect((395, 420, 605, 480), radius=14))
    c.fill(tone(dark, 1.15), lambda p: p.chord((430, 385, 570, 455), 180, 360))


def _wheels(c: Canvas, xs, y, r):
    for x in xs:
        c.fill((60, 44, 32), lambda p, x=x: p.ellipse((x - r, y - r, x + r, y + r)))
        c.fill(
            colour("Wood"),
            lambda p, x=x: p.ellipse((x - r / 3, y - r / 3, x + r / 3, y + r / 3)),
            "none",
        )


def wooden_train(c: Canvas):
    """A wooden toy train: an engine and two carriages."""
    wood = colour("Wood")
    c.shadow((120, 770, 900, 815), 0.35)
    c.fill(tone(wood, 0.8), lambda p: p.rect((455, 700, 520, 716)), "none")
    c.fill(tone(wood, 0.8), lambda p: p.rect((690, 700, 740, 716)), "none")
    # The engine: a base, a blue boiler, a red cab, a black chimney.
    c.fill(wood, lambda p: p.rect((140, 680, 470, 740), radius=8), "vertical")
    c.fill(
        colour("Blue"), lambda p: p.rect((150, 560, 340, 680), radius=56), "vertical"
    )
    c.fill(colour("Black"), lambda p: p.rect((185, 480, 235, 575), radius=8))
    c.fill(tone(colour("Black"), 1.2), lambda p: p.rect((175, 470, 245, 495), radius=8))
    c.fill(colour("Red"), lambda p: p.rect((330, 480, 460, 685), radius=10), "flat")
    c.fill(
        tone(colour("Red"), 0.8),
        lambda p: p.rect((315, 465, 475, 495), radius=8),
        "flat",
    )
    c.fill((250, 236, 200), lambda p: p.rect((360, 515, 430, 580), radius=8), "flat")
    _wheels(c, (200, 300, 410), 745, 42)
    # Two carriages.
    for left, paint in ((515, "Mustard"), (735, "Leaf")):
        c.fill(
            wood, lambda p, x=left: p.rect((x, 680, x + 175, 740), radius=8), "vertical"
        )
        c.fill(
            colour(paint),
            lambda p, x=left: p.rect((x + 10, 560, x + 165, 685), radius=12),
            "flat",
        )
        for k in range(3):
            c.fill(
                tone(colour(paint), 0.75),
                lambda p, x=left + 24 + k * 48: p.ellipse((x, 590, x + 34, 624)),
                "flat",
            )
        _wheels(c, (left + 45, left + 130), 745, 34)


def _piece(c: Canvas, x, y, rgb, size=60):
    r = size * 0.2

    def shape(p):
        p.rect((x, y, x + size, y + size), radius=4)
        p.ellipse((x + size / 2 - r, y - r * 1.6, x + size / 2 + r, y + r * 0.4))
        p.ellipse(
            (x + size - r * 0.4, y + size / 2 - r, x + size + r * 1.6, y + size / 2 + r)
        )
        p.ellipse((x - r, y + size / 2 - r, x + r, y + size / 2 + r), fill=0)

    c.drop_shadow(shape, offset=(5, 7), blur=5)
    c.fill(rgb, shape, "flat")


def puzzle(c: Canvas):
    """A 1000-piece jigsaw's box (a mountain lake on it) with loose pieces."""
    sky, snow, rock = (132, 178, 214), (246, 246, 246), (90, 104, 120)
    c.shadow((250, 690, 760, 745), 0.45)
    c.fill(
        tone(colour("White"), 0.85),
        lambda p: p.polygon(
            [(290, 240), (720, 240), (740, 260), (740, 710), (720, 720), (290, 720)]
        ),
        "flat",
    )
    c.fill(colour("White"), lambda p: p.rect((270, 250, 720, 720), radius=6), "flat")
    c.fill(sky, lambda p: p.rect((295, 275, 695, 560)), "flat")
    c.fill((255, 226, 150), lambda p: p.ellipse((580, 300, 640, 360)), "none")
    c.fill(
        rock,
        lambda p: p.polygon(
            [
                (295, 520),
                (420, 360),
                (520, 480),
                (600, 390),
                (695, 500),
                (695, 560),
                (295, 560),
            ]
        ),
        "flat",
    )
    c.fill(
        snow,
        lambda p: p.polygon([(420, 360), (395, 392), (420, 385), (445, 392)]),
        "none",
    )
    c.fill(
        snow,
        lambda p: p.polygon([(600, 390), (578, 415), (600, 410), (622, 415)]),
        "none",
    )
    c.fill((54, 96, 70), lambda p: p.rect((295, 540, 695, 575)), "flat")
    c.fill((70, 126, 170), lambda p: p.rect((295, 575, 695, 640)), "vertical")
    c.fill(colour("Rust"), lambda p: p.rect((295, 650, 470, 700), radius=4), "flat")
    c.text((382, 676), "1000", colour("White"), 34, serif=False)
    c.text(
        (590, 676), "pieces", tone(colour("Black"), 1.4), 26, serif=False, bold=False
    )
    for x, y, rgb in (
        (300, 760, sky),
        (420, 790, rock),
        (560, 770, (70, 126, 170)),
        (660, 800, (54, 96, 70)),
    ):
        _piece(c, x, y, rgb)


def kite(c: Canvas, *, colour_name: str = "Red"):
    """A diamond kite with its tail of bows."""
    rgb = colour(colour_name)
    top, right, bottom, left, centre = (
        (500, 130),
        (700, 370),
        (500, 700),
        (300, 370),
        (500, 370),
    )
    c.drop_shadow(
        lambda p: p.polygon([top, right, bottom, left]), offset=(20, 26), blur=18
    )
    for (a, b), shade in (
        ((top, right), 1.08),
        ((right, bottom), 0.86),
        ((bottom, left), 1.0),
        ((left, top), 0.78),
    ):
        panel = rgb if shade in (1.08, 1.0) else colour("Cream")
        c.fill(
            tone(panel, shade), lambda p, a=a, b=b: p.polygon([a, b, centre]), "flat"
        )
    for a, b in ((top, bottom), (left, right)):
        c.fill(colour("Wood"), lambda p, a=a, b=b: p.line([a, b], 6), "none")
    tail = curve((500, 700), (600, 820), (430, 960))
    c.fill((80, 80, 80), lambda p: p.line(tail, 3), "none")
    for k in (6, 12, 18):
        x, y = tail[k]
        c.fill(
            rgb,
            lambda p, x=x, y=y: p.polygon([(x - 30, y - 14), (x, y), (x - 30, y + 14)]),
            "flat",
        )
        c.fill(
            rgb,
            lambda p, x=x, y=y: p.polygon([(x + 30, y - 14), (x, y), (x + 30, y + 14)]),
            "flat",
        )
