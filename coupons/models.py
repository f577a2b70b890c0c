from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone


class CouponQuerySet(models.QuerySet):
    def with_times_used(self):
        return self.annotate(times_used_count=Count("redemptions", distinct=True))

    def valid_now(self):
        now = timezone.now()
        return self.filter(is_active=True).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=now),
            Q(valid_until__isnull=True) | Q(valid_until__gt=now),
        )


# One rule for a code, wherever it is typed (API, admin): what shoppers can type back.
# Surrounding spaces are allowed here and stripped before saving.
COUPON_CODE_VALIDATOR = RegexValidator(
    r"^\s*[A-Za-z0-9_-]+\s*$",
    "Use letters, digits, '-' and '_' only (no spaces inside).",
)


class Coupon(models.Model):
    code = models.CharField(
        max_length=40,
        validators=[COUPON_CODE_VALIDATOR],
        help_text="Case-insensitive; shoppers type it.",
    )
    name = models.CharField(max_length=120, blank=True)
    percent_off = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Percent of the eligible subtotal, 0 to 100.",
    )
    amount_off = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        help_text="A fixed amount off, added to the percentage.",
    )
    max_discount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Caps the whole discount (the old system's 'upto').",
    )
    min_subtotal = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        help_text="The cart's subtotal must reach this.",
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    max_uses_per_user = models.PositiveIntegerField(null=True, blank=True)
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="coupons"
    )
    categories = models.ManyToManyField(
        "catalog.Category", blank=True, related_name="coupons"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CouponQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="coupon_code_unique_ci"),
            models.CheckConstraint(
                condition=Q(percent_off__gte=0) & Q(percent_off__lte=100),
                name="coupon_percent_off_0_100",
            ),
            models.CheckConstraint(
                condition=Q(amount_off__gte=0), name="coupon_amount_off_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(max_discount__isnull=True) | Q(max_discount__gte=0),
                name="coupon_max_discount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_subtotal__gte=0),
                name="coupon_min_subtotal_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="coupon_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1),
                name="coupon_max_uses_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_uses_per_user__isnull=True)
                | Q(max_uses_per_user__gte=1),
                name="coupon_max_uses_per_user_positive",
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_active", "valid_until"], name="coupon_active_until_idx"
            )
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


class CouponRedemption(models.Model):
    """One use of a coupon by one order: usage limits are counted from these rows."""

    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="redemptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coupon_redemptions",
    )
    email = models.EmailField(
        blank=True, help_text="The guest's email when there is no user."
    )
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="coupon_redemption"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["coupon", "user"], name="redemption_coupon_user_idx"),
            models.Index(
                fields=["coupon", "email"], name="redemption_coupon_email_idx"
            ),
        ]

    def __str__(self):
        return f"{self.coupon} on {self.order_id}"
