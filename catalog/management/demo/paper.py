"""Demo pictures of paper things: notebooks, a sketchbook, pens, pencils, book covers."""

import textwrap

from catalog.management.demo.canvas import Canvas, colour, curve, tone


def notebook(c: Canvas, *, cover: str = "Black", size: str = "A5"):
    """A hardback notebook: elastic band, page edges, a ribbon bookmark."""
    rgb = colour(cover)
    k = 0.78 if size == "A6" else 1.0
    w, h = 190 * k, 270 * k
    left, right, top, bottom = 500 - w, 500 + w, 520 - h, 520 + h
    c.drop_shadow(lambda p: p.rect((left, top, right + 16, bottom), radius=16))
    ribbon = [(right - 120 * k, bottom - 5), (right - 96 * k, bottom - 5),
              (right - 92 * k, bottom + 70), (right - 108 * k, bottom + 56),
              (right - 124 * k, bottom + 70)]  # fmt: skip
    c.fill((150, 40, 40), lambda p: p.polygon(ribbon), "flat")
    c.fill(
        colour("Cream"),
        lambda p: p.rect((right - 20, top + 8, right + 14, bottom - 8), radius=4),
        "flat",
    )
    c.fill(rgb, lambda p: p.rect((left, top, right, bottom), radius=14), "flat")
    c.fill(
        tone(rgb, 0.75),
        lambda p: p.rect((left, top, left + 22, bottom), radius=10),
        "flat",
    )
    c.fill(tone(colour("Black"), 0.9 if sum(rgb) > 200 else 1.4),
           lambda p: p.rect((right - 62 * k, top, right - 44 * k, bottom)), "cylinder")  # fmt: skip
    c.fill(
        tone(rgb, 0.88),
        lambda p: p.rect(
            (500 - 80 * k, top + 70 * k, 500 + 60 * k, top + 120 * k), radius=6
        ),
        "flat",
    )
    dots = [
        (500 - 60 * k + dx * 14 * k, top + 84 * k + dy * 14 * k)
        for dx in range(8)
        for dy in range(3)
    ]
    c.fill(
        tone(rgb, 1.25),
        lambda p: [p.ellipse((x - 2, y - 2, x + 2, y + 2)) for x, y in dots],
        "none",
    )


def sketchbook(c: Canvas):
    """A spiral-bound sketchbook with a label on its cover."""
    left, right, top, bottom = 290, 710, 280, 790
    c.drop_shadow(lambda p: p.rect((left, top, right, bottom), radius=8))
    c.fill(
        colour("Cream"),
        lambda p: p.rect((left + 6, top + 6, right + 8, bottom + 6), radius=8),
        "flat",
    )
    c.fill(
        colour("Black"), lambda p: p.rect((left, top, right, bottom), radius=8), "flat"
    )
    c.fill(colour("White"), lambda p: p.rect((390, 560, 610, 660), radius=4), "flat")
    c.text((500, 598), "SKETCH", colour("Black"), 34, serif=False)
    c.text(
        (500, 636),
        "120 gsm · 60 sheets",
        tone(colour("Black"), 1.3),
        16,
        serif=False,
        bold=False,
    )
    for x in range(312, 700, 26):
        c.fill(
            colour("Steel"),
            lambda p, x=x: p.arc((x - 9, top - 22, x + 9, top + 22), 120, 420, 6),
        )


def _pen_upright(rgb) -> Canvas:
    part = Canvas(transparent=True)
    brass = colour("Brass")
    part.fill(rgb, lambda p: p.rect((472, 190, 528, 480), radius=26))
    part.fill(brass, lambda p: p.rect((520, 210, 534, 420), radius=6))
    part.fill(brass, lambda p: p.rect((472, 462, 528, 482)))
    part.fill(rgb, lambda p: p.rect((476, 480, 524, 700), radius=14))
    part.fill(
        colour("Black"),
        lambda p: p.polygon([(480, 698), (520, 698), (512, 760), (488, 760)]),
    )
    part.fill(brass, lambda p: p.polygon([(488, 758), (512, 758), (500, 850)]))
    part.fill((90, 70, 30), lambda p: p.rect((499, 780, 501, 840)), "none")
    return part


def fountain_pen(c: Canvas, *, colour_name: str = "Navy"):
    """A fountain pen lying on the table."""
    c.place(
        _pen_upright(colour(colour_name)), angle=-55, centre=(500, 520), shadow=(12, 16)
    )


def pencils(c: Canvas):
    """A fan of sharpened graphite pencils."""
    paints = ["Forest", "Mustard", "Rust", "Navy", "Black", "Sage"]
    for i, name in enumerate(paints):
        rgb = colour(name)
        part = Canvas(transparent=True)
        part.fill(rgb, lambda p: p.rect((482, 300, 518, 760)))
        part.fill(tone(rgb, 1.2), lambda p: p.rect((494, 300, 502, 760)), "none")
        part.fill(
            colour("Wood"), lambda p: p.polygon([(482, 300), (518, 300), (500, 215)])
        )
        part.fill(
            (50, 50, 54), lambda p: p.polygon([(494, 244), (506, 244), (500, 215)])
        )
        part.fill(colour("Steel"), lambda p: p.rect((482, 740, 518, 790)))
        part.fill((220, 120, 120), lambda p: p.rect((482, 790, 518, 830), radius=8))
        c.place(part, angle=(i - 2.5) * 11, centre=(500, 830), shadow=(10, 12))


MOTIFS = ("bowl", "bird", "lighthouse", "leaf")


def _motif(c: Canvas, motif: str, ink):
    if motif == "bowl":
        c.fill(ink, lambda p: p.chord((420, 470, 580, 590), 0, 180), "flat")
        for x in (465, 500, 535):
            c.fill(
                ink,
                lambda p, x=x: p.line(curve((x, 500), (x - 18, 470), (x, 440)), 6),
                "none",
            )
    elif motif == "bird":
        c.fill(ink, lambda p: p.ellipse((440, 470, 560, 560)), "flat")
        c.fill(ink, lambda p: p.ellipse((520, 445, 580, 505)), "flat")
        c.fill(ink, lambda p: p.polygon([(578, 470), (605, 478), (578, 486)]), "none")
        c.fill(ink, lambda p: p.polygon([(450, 500), (390, 470), (420, 540)]), "flat")
    elif motif == "lighthouse":
        c.fill(
            ink,
            lambda p: p.polygon([(480, 600), (520, 600), (510, 470), (490, 470)]),
            "flat",
        )
        c.fill(ink, lambda p: p.rect((482, 440, 518, 470)), "flat")
        for side in (-1, 1):
            c.fill(
                ink,
                lambda p, s=side: p.polygon(
                    [(500, 455), (500 + s * 90, 430), (500 + s * 90, 480)]
                ),
                "none",
            )
    else:  # leaf
        c.fill(
            ink,
            lambda p: p.polygon(
                curve((500, 600), (420, 520), (500, 430))
                + curve((500, 430), (580, 520), (500, 600))
            ),
            "flat",
        )


def book(
    c: Canvas, *, title: str, author: str, cover: str = "Forest", motif: str = "leaf"
):
    """A book standing: its cover with the title, a motif and the author."""
    rgb = colour(cover)
    ink = colour("Cream") if sum(rgb) < 400 else colour("Black")
    c.shadow((300, 765, 720, 815), 0.45)
    c.fill(colour("Cream"), lambda p: p.rect((330, 215, 690, 790), radius=6), "flat")
    c.fill(rgb, lambda p: p.rect((310, 200, 675, 790), radius=8), "flat")
    c.fill(
        tone(rgb, 0.72), lambda p: p.rect((310, 200, 338, 790), radius=6), "cylinder"
    )
    c.fill(tone(ink, 1.0), lambda p: p.rect((380, 262, 630, 266)), "none")
    lines = textwrap.wrap(title, 14)
    size = 44 if len(lines) < 3 else 36
    while size > 20 and max(c.text_width(line, size) for line in lines) > 300:
        size -= 2
    for n, line in enumerate(lines):
        c.text((505, 310 + n * size * 1.2), line, ink, size)
    _motif(c, motif, tone(rgb, 1.45) if sum(rgb) < 400 else tone(rgb, 0.6))
    c.fill(tone(ink, 1.0), lambda p: p.rect((380, 655, 630, 659)), "none")
    c.text((505, 700), author.upper(), ink, 22, serif=False, bold=False)
