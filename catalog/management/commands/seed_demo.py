"""Demo data: categories, ~60 products with images, staff, sellers and a customer.

Idempotent: what exists is left alone, so running it twice changes nothing.
``--products N`` adds bulk products (no images) up to N of them, for catalog-scale
benchmarks; they are inserted in batches with their stock movements, memory-bounded.
"""

import hashlib
import io
import random
import sys
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.cache import catalog_changed
from catalog.models import Category, Product, ProductImage, StockMovement, Variant
from catalog.services import product_create

DEMO_PASSWORD = "demo-shop-2024"
USERS = [
    # email, name, role, is_staff
    ("admin@example.com", "Demo Admin", "customer", True),
    ("seller@example.com", "Demo Seller", "seller", False),
    ("seller2@example.com", "Second Seller", "seller", False),
    ("customer@example.com", "Demo Customer", "customer", False),
]
# parent -> children; every leaf gets six products.
CATEGORIES = {
    "Kitchen": ["Mugs & Cups", "Cookware"],
    "Home": ["Lighting", "Textiles"],
    "Stationery": ["Notebooks", "Pens"],
    "Outdoors": ["Camping", "Garden"],
    "Books": [],
    "Toys": [],
}
NOUNS = {
    "mugs-cups": ["Mug", "Espresso Cup", "Travel Mug"],
    "cookware": ["Skillet", "Saucepan", "Dutch Oven"],
    "lighting": ["Desk Lamp", "Pendant Light", "Candle Holder"],
    "textiles": ["Throw Blanket", "Cushion", "Tea Towel"],
    "notebooks": ["Notebook", "Sketchbook", "Planner"],
    "pens": ["Fountain Pen", "Gel Pen", "Pencil Set"],
    "camping": ["Tent", "Sleeping Bag", "Lantern"],
    "garden": ["Trowel", "Watering Can", "Planter"],
    "books": ["Cookbook", "Field Guide", "Novel"],
    "toys": ["Puzzle", "Wooden Train", "Kite"],
}
ADJECTIVES = ["Classic", "Speckled"]
BULK_WORDS = (
    "red blue green black white oak walnut steel copper linen wool cotton ceramic glass "
    "bamboo slate amber ivory coral indigo olive rustic modern compact deluxe travel "
    "vintage nordic urban coastal alpine"
).split()
BULK_NOUNS = (
    "mug lamp chair table kettle blanket notebook pen tent lantern bowl plate vase "
    "basket shelf clock mirror rug towel planter"
).split()
BATCH_SIZE = 5000


def product_image(name: str, slug: str) -> ContentFile:
    """A coloured square PNG with the product's initial."""
    from PIL import Image, ImageDraw, ImageFont

    digest = hashlib.sha256(slug.encode()).digest()
    colour = (60 + digest[0] % 160, 60 + digest[1] % 160, 60 + digest[2] % 160)
    image = Image.new("RGB", (400, 400), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=220)
    draw.text((200, 200), name[:1].upper(), fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{slug}.png")


class Command(BaseCommand):
    help = "Create demo users, categories and products (idempotent); --products N for scale."

    def add_arguments(self, parser):
        parser.add_argument(
            "--products",
            type=int,
            default=0,
            metavar="N",
            help="Also make sure N bulk products exist (no images), for benchmarks.",
        )
        parser.add_argument(
            "--no-images", action="store_true", help="Skip generated images."
        )

    def handle(self, *args, products: int, no_images: bool, **options):
        if products < 0 or products > 10_000_000:
            raise CommandError("--products must be between 0 and 10,000,000.")
        users = self.seed_users()
        leaves = self.seed_categories()
        created = self.seed_products(users, leaves, images=not no_images)
        self.stdout.write(
            self.style.SUCCESS(f"Demo catalog ready ({created} products added).")
        )
        if products:
            self.seed_bulk(products, users, leaves)
            catalog_changed()  # bulk_create sends no model signal
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD})")
        for email, _, role, is_staff in USERS:
            kind = "staff (admin at /admin/)" if is_staff else role
            self.stdout.write(f"  {kind:26} {email}")

    @transaction.atomic
    def seed_users(self) -> dict:
        User = get_user_model()
        users = {}
        for email, name, role, is_staff in USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=DEMO_PASSWORD,
                    name=name,
                    role=role,
                    is_staff=is_staff,
                    is_superuser=is_staff,
                )
            users[email] = user
        return users

    @transaction.atomic
    def seed_categories(self) -> list[Category]:
        leaves = []
        for parent_name, children in CATEGORIES.items():
            parent, _ = Category.objects.get_or_create(
                slug=slugify(parent_name), defaults={"name": parent_name}
            )
            if not children:
                leaves.append(parent)
            for child_name in children:
                child, _ = Category.objects.get_or_create(
                    slug=slugify(child_name),
                    defaults={"name": child_name, "parent": parent},
                )
                leaves.append(child)
        return leaves

    def seed_products(
        self, users: dict, leaves: list[Category], *, images: bool
    ) -> int:
        sellers = [users["seller@example.com"], users["seller2@example.com"]]
        created = 0
        index = 0
        for category in leaves:
            for noun in NOUNS.get(category.slug, ["Thing"]):
                for adjective in ADJECTIVES:
                    index += 1
                    name = f"{adjective} {noun}"
                    slug = slugify(name)
                    if Product.objects.filter(slug=slug).exists():
                        continue
                    rng = random.Random(slug)
                    with transaction.atomic():
                        product = product_create(
                            seller=sellers[index % 2],
                            name=name,
                            category=category,
                            price=Decimal(rng.randint(300, 15000)) / 100,
                            description=(
                                f"A {adjective.lower()} {noun.lower()} from our "
                                f"{category.name.lower()} range, made to last."
                            ),
                            stock=rng.choice([0, 3, 8, 15, 25, 40, 60]),
                        )
                        if images:
                            picture = ProductImage(product=product, alt=name)
                            picture.image.save(
                                f"{product.slug}.png",
                                product_image(name, product.slug),
                                save=False,
                            )
                            picture.save()
                    created += 1
        return created

    def seed_bulk(self, total: int, users: dict, leaves: list[Category]) -> None:
        """Insert bulk products ``bulk-<n>-...`` until ``total`` exist."""
        existing = Product.objects.filter(slug__startswith="bulk-").count()
        if existing >= total:
            self.stdout.write(
                f"{existing} bulk products already exist; nothing to add."
            )
            return
        sellers = [users["seller@example.com"].pk, users["seller2@example.com"].pk]
        category_ids = [c.pk for c in leaves]
        staff = users["admin@example.com"]
        done = existing
        while done < total:
            upto = min(done + BATCH_SIZE, total)
            with transaction.atomic():
                pairs = [
                    self.bulk_product(n, sellers, category_ids)
                    for n in range(done + 1, upto + 1)
                ]
                Product.objects.bulk_create(
                    [p for p, _ in pairs], batch_size=BATCH_SIZE
                )
                variants = []
                for product, variant in pairs:
                    variant.product = product
                    variants.append(variant)
                Variant.objects.bulk_create(variants, batch_size=BATCH_SIZE)
                StockMovement.objects.bulk_create(
                    [
                        StockMovement(
                            variant_id=v.pk,
                            delta=v.stock,
                            stock_after=v.stock,
                            reason=StockMovement.Reason.INITIAL,
                            user=staff,
                            note="seed_demo --products",
                        )
                        for v in variants
                        if v.stock
                    ],
                    batch_size=BATCH_SIZE,
                )
            done = upto
            self.progress(done - existing, total - existing)
        self.stdout.write("")

    @staticmethod
    def bulk_product(
        n: int, sellers: list[int], category_ids: list[int]
    ) -> tuple[Product, Variant]:
        rng = random.Random(n)
        words = rng.sample(BULK_WORDS, 2)
        noun = rng.choice(BULK_NOUNS)
        name = f"{words[0].title()} {words[1]} {noun} {n}"
        now = timezone.now()
        price = Decimal(rng.randint(100, 99999)) / 100
        product = Product(
            seller_id=sellers[n % len(sellers)],
            category_id=category_ids[n % len(category_ids)],
            name=name,
            slug=f"bulk-{n}-{words[0]}-{words[1]}-{noun}",
            description=f"A {words[0]} {words[1]} {noun} (bulk catalog item number {n}).",
            price=price,
            created_at=now,
            updated_at=now,
        )
        variant = Variant(
            sku=f"BULK-{n}",
            price=price,
            stock=rng.choice([0, 1, 5, 10, 20, 50, 100]),
            created_at=now,
            updated_at=now,
        )
        return product, variant

    def progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if not self.stdout.isatty() else ""
        self.stdout.write(
            f"\r[{bar}] {100 * done // total:3d}% {done:,}/{total:,}", ending=end
        )
        sys.stdout.flush()
