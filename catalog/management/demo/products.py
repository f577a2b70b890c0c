"""The demo catalog: what a small shop of home goods sells, with options where such
things have them (a T-shirt's size and colour, a mug's size) and prices that fit."""

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product as matrix

# parent -> children (slugs are made from the names).
CATEGORIES = {
    "Kitchen": ["Mugs & Cups", "Cookware"],
    "Home": ["Lighting", "Textiles"],
    "Clothing": ["T-shirts", "Bags"],
    "Stationery": ["Notebooks", "Pens"],
    "Outdoors": ["Camping", "Garden"],
    "Books": [],
    "Toys": [],
}


@dataclass(frozen=True)
class Demo:
    """One demo product. Without ``options``: one variant (``price``, ``stock``,
    ``weight``, SKU ``sku``). With them: a variant for every combination, SKU ``sku``
    and its values, priced by ``prices`` (a value's price) or ``price``, stocked from
    ``stocks`` in order. ``drawing`` with ``details`` draws its picture; ``pictured_by``
    (option, keyword): one picture per value of that option, given to the drawing as
    that keyword, and each variant shows its value's."""

    name: str
    category: str
    description: str
    sku: str
    drawing: str
    price: str = ""
    stock: int = 0
    weight: int = 0
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    prices: dict[str, str] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=dict)
    stocks: tuple[int, ...] = ()
    details: dict = field(default_factory=dict)
    pictured_by: tuple[str, str] | None = None

    def variants(self) -> list[dict]:
        """The variants as ``product_create`` takes them."""
        names = [name for name, _ in self.options]
        rows = []
        for n, values in enumerate(matrix(*(values for _, values in self.options))):
            chosen = dict(zip(names, values, strict=True))
            price = next(
                (self.prices[v] for v in values if v in self.prices), self.price
            )
            weight = next(
                (self.weights[v] for v in values if v in self.weights), self.weight
            )
            code = "-".join(v.upper().replace(" ", "") for v in values)
            rows.append(
                {
                    "sku": f"{self.sku}-{code}",
                    "options": chosen,
                    "price": Decimal(price),
                    "stock": self.stocks[n] if n < len(self.stocks) else 10,
                    "weight_grams": weight,
                }
            )
        return rows


SIZES = ("S", "M", "L")

PRODUCTS = [
    # --- Kitchen --------------------------------------------------------------------
    Demo("Stoneware Mug", "mugs-cups",
         "A hand-glazed stoneware mug with a speckled cream glaze. Dishwasher safe.",
         sku="MUG-STONE", drawing="mug", price="14.00", weight=350,
         options=(("Size", ("300 ml", "450 ml")),), prices={"450 ml": "17.00"},
         weights={"450 ml": 450}, stocks=(24, 11), pictured_by=("Size", "size")),
    Demo("Espresso Cup Pair", "mugs-cups",
         "Two porcelain espresso cups with saucers, one cream, one terracotta.",
         sku="CUP-ESPRESSO-2", drawing="espresso_cups", price="22.00", stock=18,
         weight=400),
    Demo("Insulated Travel Mug", "mugs-cups",
         "Double-walled steel, 350 ml: keeps coffee hot for four hours. Leak-proof lid.",
         sku="MUG-TRAVEL", drawing="travel_mug", price="26.00", weight=320,
         options=(("Colour", ("Slate", "Sage")),), stocks=(14, 9),
         pictured_by=("Colour", "colour_name")),
    Demo("Cast Iron Skillet", "cookware",
         "Pre-seasoned cast iron for searing, baking and years of use.",
         sku="PAN-IRON", drawing="skillet", price="34.00", weight=2100,
         options=(("Size", ("20 cm", "26 cm")),), prices={"26 cm": "45.00"},
         weights={"26 cm": 3200}, stocks=(7, 12), pictured_by=("Size", "size")),
    Demo("Stoneware Teapot", "cookware",
         "A one-litre teapot in a sage glaze, with a stainless steel infuser.",
         sku="POT-TEA", drawing="teapot", price="36.00", stock=9, weight=900),
    # --- Home -----------------------------------------------------------------------
    Demo("Anglepoise Desk Lamp", "lighting",
         "A steel desk lamp with a sprung arm that stays where you put it. E27 bulb.",
         sku="LAMP-DESK", drawing="desk_lamp", price="59.00", weight=1800,
         options=(("Finish", ("Black", "Brass")),), prices={"Brass": "72.00"},
         stocks=(10, 4), pictured_by=("Finish", "finish")),
    Demo("Dome Pendant Light", "lighting",
         "A spun-metal dome shade in forest green, 40 cm across, on a 1.5 m cord.",
         sku="LAMP-PENDANT", drawing="pendant_light", price="84.00", stock=6,
         weight=1400),
    Demo("Pillar Candle Trio", "lighting",
         "Three unscented pillar candles in natural wax; about 40 hours each.",
         sku="CANDLE-TRIO", drawing="candles", price="18.50", stock=30, weight=900),
    Demo("Linen Cushion Cover", "textiles",
         "Stonewashed European linen, 45 × 45 cm, with a hidden zip.",
         sku="CUSHION-LINEN", drawing="cushion", price="24.00", weight=250,
         options=(("Colour", ("Oat", "Rust", "Sage")),), stocks=(15, 8, 0),
         pictured_by=("Colour", "colour_name")),
    Demo("Striped Wool Throw", "textiles",
         "A lambswool throw, 130 × 180 cm, woven with rust stripes and a fringe.",
         sku="THROW-WOOL", drawing="throw", price="89.00", stock=5, weight=1100),
    # --- Clothing -------------------------------------------------------------------
    Demo("Organic Cotton T-Shirt", "t-shirts",
         "A heavyweight organic cotton tee with a ribbed crew neck. Regular fit.",
         sku="TEE-ORGANIC", drawing="tshirt", price="25.00", weight=180,
         options=(("Size", SIZES), ("Colour", ("Navy", "Heather Grey"))),
         stocks=(12, 8, 20, 15, 0, 6), pictured_by=("Colour", "colour_name")),
    Demo("Merino Crew Jumper", "t-shirts",
         "Extra-fine merino wool, soft enough to wear next to the skin.",
         sku="JUMPER-MERINO", drawing="jumper", price="95.00", weight=320,
         options=(("Size", SIZES),), stocks=(4, 7, 3)),
    Demo("Canvas Tote Bag", "bags",
         "Heavy cotton canvas with long handles that fit over a shoulder.",
         sku="TOTE-CANVAS", drawing="tote_bag", price="19.00", weight=240,
         options=(("Colour", ("Natural", "Black")),), stocks=(40, 22),
         pictured_by=("Colour", "colour_name")),
    # --- Stationery -----------------------------------------------------------------
    Demo("Dot Grid Notebook", "notebooks",
         "A hardback notebook: 192 pages of 100 gsm dot grid, elastic band, ribbon.",
         sku="NOTE-DOT", drawing="notebook", price="14.00", weight=380,
         options=(("Size", ("A5", "A6")), ("Cover", ("Black", "Terracotta"))),
         prices={"A6": "10.00"}, weights={"A6": 200}, stocks=(30, 18, 25, 0),
         pictured_by=("Cover", "cover")),
    Demo("Spiral Sketchbook", "notebooks",
         "Sixty sheets of 120 gsm cartridge paper for pencil, ink and marker.",
         sku="SKETCH-SPIRAL", drawing="sketchbook", price="16.00", stock=0, weight=420),
    Demo("Brass Fountain Pen", "pens",
         "A lacquered fountain pen with a steel nib; takes standard ink cartridges.",
         sku="PEN-FOUNTAIN", drawing="fountain_pen", price="42.00", weight=30,
         options=(("Nib", ("Fine", "Medium")),), stocks=(9, 13)),
    Demo("Graphite Pencil Set", "pens",
         "Six cedar pencils from 2H to 6B, with erasers.",
         sku="PENCIL-SET-6", drawing="pencils", price="9.50", stock=45, weight=60),
    # --- Outdoors -------------------------------------------------------------------
    Demo("Two-Person Dome Tent", "camping",
         "A 2.4 kg three-season tent that pitches in five minutes.",
         sku="TENT-DOME-2", drawing="tent", price="189.00", stock=4, weight=2400),
    Demo("Camping Lantern", "camping",
         "A rechargeable LED lantern: warm light for 30 hours, USB-C.",
         sku="LANTERN-LED", drawing="lantern", price="34.00", stock=16, weight=450),
    Demo("Enamel Camping Mug", "camping",
         "A light enamelled steel mug with a navy rim, 350 ml.",
         sku="MUG-ENAMEL", drawing="camping_mug", price="12.00", stock=35, weight=150),
    Demo("Snake Plant", "garden",
         "Sansevieria: upright leaves, happy in low light, forgiving of a missed watering.",
         sku="PLANT-SNAKE", drawing="snake_plant", price="18.00", weight=1200,
         options=(("Pot", ("12 cm", "17 cm")),), prices={"17 cm": "32.00"},
         weights={"17 cm": 2500}, stocks=(10, 5), pictured_by=("Pot", "pot")),
    Demo("Chinese Money Plant", "garden",
         "Pilea peperomioides in a white ceramic pot: round leaves on fine stems.",
         sku="PLANT-PILEA", drawing="money_plant", price="15.00", stock=12, weight=900),
    Demo("Terracotta Planter", "garden",
         "A classic clay pot with a drainage hole and saucer.",
         sku="PLANTER-CLAY", drawing="planter", price="8.00", weight=700,
         options=(("Size", ("Small", "Medium", "Large")),),
         prices={"Medium": "13.00", "Large": "21.00"}, stocks=(25, 18, 9),
         pictured_by=("Size", "size")),
    Demo("Galvanised Watering Can", "garden",
         "Five litres of galvanised steel with a removable brass rose.",
         sku="CAN-WATER", drawing="watering_can", price="28.00", stock=11, weight=1300),
    # --- Books ----------------------------------------------------------------------
    Demo("The Slow Kitchen", "books",
         "Eighty recipes that take their time: stews, breads and preserves.",
         sku="BOOK-SLOW-KITCHEN", drawing="book", price="18.00", weight=700,
         options=(("Format", ("Paperback", "Hardcover")),),
         prices={"Hardcover": "29.00"}, weights={"Hardcover": 1100}, stocks=(20, 8),
         details={"title": "The Slow Kitchen", "author": "Maya Ortiz",
                  "cover": "Mustard", "motif": "bowl"}),
    Demo("Birds of the Hedgerow", "books",
         "A pocket field guide to 120 birds, with colour plates.",
         sku="BOOK-BIRDS", drawing="book", price="16.00", stock=14, weight=350,
         details={"title": "Birds of the Hedgerow", "author": "Tom Reed",
                  "cover": "Sage", "motif": "bird"}),
    Demo("The Lighthouse Keeper", "books",
         "A novel of a winter on a northern island. Paperback.",
         sku="BOOK-LIGHTHOUSE", drawing="book", price="12.99", stock=22, weight=300,
         details={"title": "The Lighthouse Keeper", "author": "Ines Holm",
                  "cover": "Navy", "motif": "lighthouse"}),
    Demo("A Year in the Garden", "books",
         "Month by month: what to sow, plant and prune.",
         sku="BOOK-GARDEN-YEAR", drawing="book", price="22.00", stock=9, weight=800,
         details={"title": "A Year in the Garden", "author": "June Park",
                  "cover": "Terracotta", "motif": "leaf"}),
    # --- Toys -----------------------------------------------------------------------
    Demo("Wooden Train Set", "toys",
         "A beech-wood engine and two carriages, painted with water-based colours.",
         sku="TOY-TRAIN", drawing="wooden_train", price="45.00", stock=7, weight=900),
    Demo("Mountain Lake Puzzle", "toys",
         "A 1000-piece jigsaw of a lake below snowy peaks; 68 × 48 cm finished.",
         sku="TOY-PUZZLE-1000", drawing="puzzle", price="19.00", stock=13, weight=650),
    Demo("Diamond Kite", "toys",
         "A ripstop nylon kite, 80 cm tall, with a tail of bows and 30 m of line.",
         sku="TOY-KITE", drawing="kite", price="24.00", weight=200,
         options=(("Colour", ("Red", "Blue")),), stocks=(10, 6),
         pictured_by=("Colour", "colour_name")),
]  # fmt: skip
