"""Where the shop ships, at what price, and the tax rate of each country (staff set them
in the admin and the staff API; pricing.shipping prices a method for a cart)."""

from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField


class ShippingZone(models.Model):
    """Countries that share shipping methods, e.g. "Domestic", "EU", "Rest of world"."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ZoneCountry(models.Model):
    """A country of a zone: one row per country, so a country is in one zone at most
    (a database constraint, not only a form's check)."""

    zone = models.ForeignKey(
        ShippingZone, on_delete=models.CASCADE, related_name="countries"
    )
    country = CountryField(unique=True)

    class Meta:
        ordering = ["country"]
        verbose_name_plural = "zone countries"

    def __str__(self):
        return f"{self.country.code} in {self.zone}"


class ShippingMethod(models.Model):
    class Kind(models.TextChoices):
        FLAT = "flat", "Flat price"
        WEIGHT = "weight", "By weight (grams)"
        PRICE = "price", "By order value"

    zone = models.ForeignKey(
        ShippingZone, on_delete=models.CASCADE, related_name="methods"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FLAT)
    # flat: the price; the band kinds price by ``bands`` and leave it null.
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # [{"up_to": grams (int) or an amount (decimal string), "price": "4.90"}], ascending.
    bands = models.JSONField(default=list, blank=True)
    free_over = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Free when the subtotal less the discount reaches this amount.",
    )
    estimated_days = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0),
                name="shipping_method_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(free_over__isnull=True) | Q(free_over__gte=0),
                name="shipping_method_free_over_not_negative",
            ),
        ]
        indexes = [
            models.Index(
                fields=["zone"],
                condition=Q(is_active=True),
                name="shipping_method_active_idx",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.zone})"


class TaxRate(models.Model):
    """The tax rate of a shipping country; countries without one use SHOP_TAX_RATE."""

    country = CountryField(unique=True)
    rate = models.DecimalField(
        max_digits=6, decimal_places=5, help_text="A fraction: 0.2 for 20 %."
    )

    class Meta:
        ordering = ["country"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lt=1), name="tax_rate_in_range"
            )
        ]

    def __str__(self):
        return f"{self.country.code}: {self.rate}"
