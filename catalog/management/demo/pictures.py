"""The demo catalog's pictures by name: each draws one kind of thing (a mug, a T-shirt,
a book cover...) on a soft backdrop, as a JPEG product photo."""

import zlib

from django.core.files.base import ContentFile

from catalog.management.demo import home, kitchen, outdoors, paper, wear
from catalog.management.demo.canvas import Canvas

DRAWINGS = {
    "mug": kitchen.mug,
    "camping_mug": kitchen.camping_mug,
    "espresso_cups": kitchen.espresso_cups,
    "travel_mug": kitchen.travel_mug,
    "teapot": kitchen.teapot,
    "skillet": kitchen.skillet,
    "desk_lamp": home.desk_lamp,
    "pendant_light": home.pendant_light,
    "candles": home.candles,
    "cushion": home.cushion,
    "throw": home.throw,
    "snake_plant": home.snake_plant,
    "money_plant": home.money_plant,
    "planter": home.planter,
    "watering_can": home.watering_can,
    "tshirt": wear.tshirt,
    "jumper": wear.jumper,
    "tote_bag": wear.tote_bag,
    "notebook": paper.notebook,
    "sketchbook": paper.sketchbook,
    "fountain_pen": paper.fountain_pen,
    "pencils": paper.pencils,
    "book": paper.book,
    "tent": outdoors.tent,
    "lantern": outdoors.lantern,
    "wooden_train": outdoors.wooden_train,
    "puzzle": outdoors.puzzle,
    "kite": outdoors.kite,
}


def picture(drawing: str, *, name: str, **details) -> ContentFile:
    """A product photo of ``drawing`` (with ``details``: its colour, size...), on a
    backdrop chosen by ``name`` (the same name, the same backdrop)."""
    canvas = Canvas(zlib.crc32(name.encode()))
    DRAWINGS[drawing](canvas, **details)
    return ContentFile(canvas.jpeg(), name="picture.jpg")
