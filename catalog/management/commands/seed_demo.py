"""Demo data: staff, two sellers and a customer; categories; about thirty products of a
small home-goods shop (catalog.management.demo.products), many with options (a T-shirt
in three sizes and two colours, a mug in two sizes), with generated product photos
(catalog.management.demo.pictures) and a picture per colour where colours differ.

Idempotent: what exists is left alone, so running it twice changes nothing.
``--products N`` adds bulk products (no images) up to N of them, for catalog-scale
benchmarks: one variant each, and every tenth in three sizes (S, M, L); inserted in
batches with their stock movements, memory-bounded. ``--no-images`` skips the photos.
The demo coupon is the coupons app's (``manage.py seed_demo_coupon``).
"""

import random
import sys
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.cache import catalog_changed
from catalog.images import product_image_add
from catalog.management.demo.pictures import picture
from catalog.management.demo.products import CATEGORIES, PRODUCTS, Demo
from catalog.models import Category, Product, ProductOption, StockMovement, Variant
from catalog.services import product_create
from catalog.variants import SEPARATOR, variant_update

DEMO_PASSWORD = "demo-shop-2024"
USERS = [
    # email, name, role, is_staff
    ("admin@example.com", "Demo Admin", "customer", True),
    ("seller@example.com", "Demo Seller", "seller", False),
    ("seller2@example.com", "Second Seller", "seller", False),
    ("customer@example.com", "Demo Customer", "customer", False),
]
BULK_WORDS = (
    "red blue green black white oak walnut steel copper linen wool cotton ceramic glass "
    "bamboo slate amber ivory coral indigo olive rustic modern compact deluxe travel "
    "vintage nordic urban coastal alpine"
).split()
BULK_NOUNS = (
    "mug lamp chair table kettle blanket notebook pen tent lantern bowl plate vase "
    "crate shelf clock mirror rug towel planter"
).split()
BULK_SIZED_EVERY = 10  # every tenth bulk product comes in sizes
BULK_SIZES = ("S", "M", "L")
BATCH_SIZE = 5000


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
        categories = self.seed_categories()
        created = self.seed_products(users, categories, images=not no_images)
        self.stdout.write(
            self.style.SUCCESS(f"Demo catalog ready ({created} products added).")
        )
        if products:
            leaves = [c for c in categories.values() if not c.children.exists()]
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
    def seed_categories(self) -> dict[str, Category]:
        """Every category by slug."""
        categories = {}
        for parent_name, children in CATEGORIES.items():
            parent, _ = Category.objects.get_or_create(
                slug=slugify(parent_name), defaults={"name": parent_name}
            )
            categories[parent.slug] = parent
            for child_name in children:
                child, _ = Category.objects.get_or_create(
                    slug=slugify(child_name),
                    defaults={"name": child_name, "parent": parent},
                )
                categories[child.slug] = child
        return categories

    def seed_products(self, users: dict, categories: dict, *, images: bool) -> int:
        sellers = [users["seller@example.com"], users["seller2@example.com"]]
        created = 0
        for index, demo in enumerate(PRODUCTS):
            if Product.objects.filter(slug=slugify(demo.name)).exists():
                continue
            seller = sellers[index % 2]
            if demo.options:
                offer = {
                    "options": [
                        {"name": name, "values": list(values)}
                        for name, values in demo.options
                    ],
                    "variants": demo.variants(),
                }
            else:
                offer = {
                    "price": Decimal(demo.price),
                    "stock": demo.stock,
                    "sku": demo.sku,
                    "weight_grams": demo.weight,
                }
            with transaction.atomic():
                product = product_create(
                    seller=seller,
                    name=demo.name,
                    category=categories[demo.category],
                    description=demo.description,
                    **offer,
                )
                if images:
                    self.photograph(product, demo)
            created += 1
        return created

    @staticmethod
    def photograph(product: Product, demo: Demo) -> None:
        """The product's pictures: one, or one per value of ``pictured_by`` (each
        variant then shows its own)."""
        if demo.pictured_by is None:
            photo = picture(demo.drawing, name=demo.name, **demo.details)
            product_image_add(product=product, image=photo, alt=demo.name)
            return
        option, keyword = demo.pictured_by
        values = dict(demo.options)[option]
        variants = list(product.variants.all())
        for value in values:
            photo = picture(
                demo.drawing, name=demo.name, **{**demo.details, keyword: value}
            )
            image = product_image_add(
                product=product, image=photo, alt=f"{demo.name}, {value}"
            )
            for variant in variants:
                if variant.options.get(option) == value:
                    variant_update(variant=variant, image=image)

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
                self.bulk_batch(range(done + 1, upto + 1), sellers, category_ids, staff)
            done = upto
            self.progress(done - existing, total - existing)
        self.stdout.write("")

    def bulk_batch(self, numbers, sellers, category_ids, staff) -> None:
        made = [self.bulk_product(n, sellers, category_ids) for n in numbers]
        Product.objects.bulk_create([p for p, _ in made], batch_size=BATCH_SIZE)
        options, variants = [], []
        for product, product_variants in made:
            if product_variants[0].options:
                options.append(
                    ProductOption(
                        product=product,
                        name="Size",
                        position=0,
                        values=list(BULK_SIZES),
                    )
                )
            for variant in product_variants:
                variant.product = product
                variants.append(variant)
        ProductOption.objects.bulk_create(options, batch_size=BATCH_SIZE)
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

    @staticmethod
    def bulk_product(
        n: int, sellers: list[int], category_ids: list[int]
    ) -> tuple[Product, list[Variant]]:
        """Bulk product ``n`` and its variants: one, or for every tenth three sizes
        (L two more)."""
        rng = random.Random(n)
        words = rng.sample(BULK_WORDS, 2)
        noun = rng.choice(BULK_NOUNS)
        now = timezone.now()
        price = Decimal(rng.randint(100, 99999)) / 100
        product = Product(
            seller_id=sellers[n % len(sellers)],
            category_id=category_ids[n % len(category_ids)],
            name=f"{words[0].title()} {words[1]} {noun} {n}",
            slug=f"bulk-{n}-{words[0]}-{words[1]}-{noun}",
            description=f"A {words[0]} {words[1]} {noun} (bulk catalog item number {n}).",
            price=price,
            created_at=now,
            updated_at=now,
        )
        stocks = [0, 1, 5, 10, 20, 50, 100]
        if n % BULK_SIZED_EVERY:
            shapes = [("", {}, price)]
        else:
            shapes = [
                (f"-{size}", {"Size": size}, price + (2 if size == "L" else 0))
                for size in BULK_SIZES
            ]
        variants = [
            Variant(
                sku=f"BULK-{n}{suffix}",
                options=values,
                signature=SEPARATOR.join(values.values()),
                price=variant_price,
                stock=rng.choice(stocks),
                created_at=now,
                updated_at=now,
            )
            for suffix, values, variant_price in shapes
        ]
        return product, variants

    def progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if not self.stdout.isatty() else ""
        self.stdout.write(
            f"\r[{bar}] {100 * done // total:3d}% {done:,}/{total:,}", ending=end
        )
        sys.stdout.flush()
