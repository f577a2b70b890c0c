from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
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
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    # Written only by catalog.services (stock_adjust and friends), never directly.
    # Deliberately in no index: PostgreSQL then rewrites no index entry when only the
    # stock changes (a HOT update, catalog.0005), which every checkout does to each of
    # its products. The stock filters read the rows an index on the order gives.
    stock = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    image = models.ImageField(upload_to="products/", blank=True)
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
            models.CheckConstraint(
                condition=Q(stock__gte=0), name="product_stock_not_negative"
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

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class StockMovement(models.Model):
    """One row per change of a product's stock, written in the same transaction."""

    class Reason(models.TextChoices):
        INITIAL = "initial", "Initial stock"
        ADMIN = "admin", "Edited in the admin"
        ADJUSTMENT = "adjustment", "Adjusted through the API"
        CHECKOUT = "checkout", "Sold at checkout"
        CANCEL = "cancel", "Returned by a cancelled order"

    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="movements",
        # movement_product_idx (product, -created_at) serves every lookup by product.
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
            models.Index(fields=["product", "-created_at"], name="movement_product_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock_after__gte=0),
                name="movement_stock_after_not_negative",
            )
        ]

    def __str__(self):
        return f"{self.product} {self.delta:+d} → {self.stock_after} ({self.reason})"
