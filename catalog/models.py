from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("shop:category", args=[self.slug])


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Product(models.Model):
    """What a product's variants share: name, description, category, seller, images and
    options. What is bought is a :class:`Variant`; a product without options has one."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    # The lowest price of the product's active variants ("from"), kept by
    # catalog.variants whenever a variant's price or state changes: the list orders and
    # filters by it. Never written by hand.
    price = models.DecimalField(max_digits=12, decimal_places=2, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=Decimal("0.01")),
                name="product_price_at_least_one_cent",
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_active", "price"], name="product_active_price_idx"
            ),
            models.Index(fields=["is_active", "name"], name="product_active_name_idx"),
            models.Index(
                fields=["is_active", "-created_at"], name="product_active_created_idx"
            ),
            models.Index(
                fields=["category", "is_active"], name="product_category_active_idx"
            ),
            models.Index(
                fields=["seller", "is_active"], name="product_seller_active_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("shop:product", args=[self.slug])

    # Derived from the variants (prefetch them for a list: catalog.selectors).
    @property
    def stock(self) -> int:
        """The stock of the product's active variants, summed."""
        return sum(v.stock for v in self.variants.all() if v.is_active)

    @property
    def in_stock(self) -> bool:
        return any(v.is_active and v.stock > 0 for v in self.variants.all())

    @property
    def picture(self) -> "ProductImage | None":
        """The first image (prefetch ``images`` for a list)."""
        return next(iter(self.images.all()), None)


MAX_OPTIONS = 3


class ProductOption(models.Model):
    """One of a product's options (Size, Colour), with its values in display order."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="options"
    )
    name = models.CharField(max_length=50)
    position = models.PositiveSmallIntegerField()
    values = models.JSONField(default=list)  # ["S", "M", "L"]

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "name"], name="option_name_unique_per_product"
            ),
            models.UniqueConstraint(
                fields=["product", "position"], name="option_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(position__lt=MAX_OPTIONS), name="option_at_most_three"
            ),
        ]

    def __str__(self):
        return f"{self.product}: {self.name}"


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(upload_to="products/")
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.alt or self.image.name


class Variant(models.Model):
    """What is bought: a product in one value of each of its options, with its own SKU,
    price, stock and weight. Stock is written only by catalog.stock."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants"
    )
    sku = models.CharField("SKU", max_length=64, unique=True)
    # {"Size": "M", "Colour": "Red"}: one value of every option of the product.
    options = models.JSONField(default=dict, blank=True)
    # The option values in the product's option order, joined: what makes two variants
    # of one product alike (a unique constraint, whatever the dict's key order).
    signature = models.CharField(max_length=255, editable=False, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    # In no index: a stock change then rewrites no index entry (a HOT update).
    stock = models.IntegerField(default=0)
    weight_grams = models.PositiveIntegerField(default=0)
    # Below or at this the variant is "low" (admin filter, daily digest); None: the
    # shop's SHOP_LOW_STOCK_THRESHOLD.
    low_stock_threshold = models.PositiveIntegerField(null=True, blank=True)
    image = models.ForeignKey(
        ProductImage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="variants",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "signature"], name="variant_options_unique"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=Decimal("0.01")),
                name="variant_price_at_least_one_cent",
            ),
            models.CheckConstraint(
                condition=Q(stock__gte=0), name="variant_stock_not_negative"
            ),
            # A SKU is unique whatever its case; the index also serves search, which
            # finds a SKU typed in any case (sku__iexact).
            models.UniqueConstraint(
                Upper("sku"),
                name="variant_sku_upper_unique",
                violation_error_message="A variant with this SKU already exists.",
            ),
        ]

    def __str__(self):
        return variant_name(self.product.name, self.options)

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def on_sale(self) -> bool:
        return self.is_active and self.product.is_active

    @property
    def category_id(self) -> int:
        return self.product.category_id

    @property
    def name(self) -> str:
        return variant_name(self.product.name, self.options)

    @property
    def picture(self) -> "ProductImage | None":
        """The variant's own image, else its product's first."""
        return self.image or next(iter(self.product.images.all()), None)


def variant_name(product_name: str, options: dict) -> str:
    """How a variant is named to people: "Tee — M / Red" (the product's name alone when
    it has no options)."""
    if not options:
        return product_name
    return f"{product_name} — {' / '.join(str(value) for value in options.values())}"


class StockMovement(models.Model):
    """One row per change of a variant's stock, written in the same transaction."""

    class Reason(models.TextChoices):
        INITIAL = "initial", "Initial stock"
        ADMIN = "admin", "Edited in the admin"
        ADJUSTMENT = "adjustment", "Adjusted through the API"
        CHECKOUT = "checkout", "Sold at checkout"
        CANCEL = "cancel", "Returned by a cancelled order"
        REFUND = "refund", "Returned by a refund"
        IMPORT = "import", "Set by a product import"

    variant = models.ForeignKey(
        Variant,
        on_delete=models.CASCADE,
        related_name="movements",
        # movement_variant_idx (variant, -created_at) serves every lookup by variant.
        db_index=False,
    )
    delta = models.IntegerField()
    stock_after = models.IntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stock_movements",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["variant", "-created_at"], name="movement_variant_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock_after__gte=0),
                name="movement_stock_after_not_negative",
            )
        ]

    def __str__(self):
        return f"{self.variant} {self.delta:+d} → {self.stock_after} ({self.reason})"


class ImportJob(models.Model):
    """A product CSV import too large for one request, run by a task (catalog.imports):
    its file, how far it got and what it found."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed (nothing written)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(max_length=255, blank=True)
    data = models.TextField()  # the CSV as uploaded
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # {"new": n, "update": n, "unchanged": n}; errors: [{"row": n, "errors": {...}}]
    totals = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last sign of life of a running job (its claim, each progress write): one long
    # silent is taken for a worker that died (catalog.import_jobs.import_jobs_stalled).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Import {self.pk} ({self.status})"

    @property
    def progress(self) -> int:
        """Per cent of the rows handled."""
        if not self.total_rows:
            return 100 if self.status in {"done", "failed"} else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class BackInStockRequest(models.Model):
    """Someone waiting for a sold-out variant: mailed once when it is back
    (catalog.restock), or unsubscribed by the token in that mail."""

    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="back_in_stock_requests"
    )
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when claimed for sending (cleared again if the send fails).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "email"],
                condition=Q(notified_at=None),
                name="back_in_stock_once_while_waiting",
            )
        ]
        indexes = [
            models.Index(
                fields=["variant", "created_at"],
                condition=Q(notified_at=None),
                name="back_in_stock_waiting_idx",
            )
        ]

    def __str__(self):
        return f"{self.email} waits for {self.variant_id}"
