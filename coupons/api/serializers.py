"""Coupon shapes of API.md: validation of staff input; rendering of coupons."""

from decimal import Decimal

from rest_framework import serializers

from catalog.models import Category, Product
from coupons.models import COUPON_CODE_VALIDATOR, Coupon
from coupons.services import coupon_code_taken, normalize_code

MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
MAX_SCOPE_ITEMS = 1000
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class ScopeField(serializers.ListField):
    """A many-to-many scope: a list of ids or slugs in, the related objects' ``attr`` out."""

    def __init__(self, *, attr: str, **kwargs):
        self.attr = attr
        super().__init__(allow_empty=True, max_length=MAX_SCOPE_ITEMS, **kwargs)

    def to_representation(self, data):
        # ``.all()`` uses the viewset's prefetch: no query per coupon.
        return [getattr(obj, self.attr) for obj in data.all()]


class CouponSerializer(serializers.ModelSerializer):
    code = serializers.CharField(
        max_length=40,
        validators=[COUPON_CODE_VALIDATOR],
        help_text="Case-insensitive and unique; stored upper-case.",
    )
    name = serializers.CharField(max_length=120, allow_blank=True, required=False)
    percent_off = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        help_text="Percent of the eligible subtotal, 0 to 100.",
    )
    amount_off = serializers.DecimalField(
        **MONEY,
        required=False,
        help_text="A fixed amount off, added to the percentage.",
    )
    max_discount = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        help_text="Caps the whole discount; null for no cap.",
    )
    min_subtotal = serializers.DecimalField(
        **MONEY, required=False, help_text="The cart's subtotal must reach this."
    )
    valid_from = serializers.DateTimeField(required=False, allow_null=True)
    valid_until = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Must be after valid_from."
    )
    is_active = serializers.BooleanField(required=False)
    max_uses = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, required=False, allow_null=True
    )
    max_uses_per_user = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, required=False, allow_null=True
    )
    products = ScopeField(
        attr="pk",
        child=serializers.IntegerField(min_value=1, max_value=MAX_BIGINT),
        required=False,
        help_text="Product ids; with categories empty too, the coupon covers the whole cart.",
    )
    categories = ScopeField(
        attr="slug",
        child=serializers.SlugField(max_length=120),
        required=False,
        help_text="Category slugs; a category covers its sub-categories.",
    )
    times_used = serializers.IntegerField(
        source="times_used_count", read_only=True, help_text="Orders that used it."
    )

    class Meta:
        model = Coupon
        fields = [
            "id",
            "code",
            "name",
            "percent_off",
            "amount_off",
            "max_discount",
            "min_subtotal",
            "valid_from",
            "valid_until",
            "is_active",
            "max_uses",
            "max_uses_per_user",
            "products",
            "categories",
            "times_used",
        ]
        read_only_fields = ["id", "times_used"]

    def validate_code(self, value: str) -> str:
        code = normalize_code(value)
        if coupon_code_taken(code=code, exclude_pk=getattr(self.instance, "pk", None)):
            raise serializers.ValidationError(
                f"A coupon with the code {code} already exists (codes ignore case)."
            )
        return code

    def validate_products(self, value: list[int]) -> list[Product]:
        wanted = set(value)
        found = list(Product.objects.filter(pk__in=wanted))
        missing = sorted(wanted - {product.pk for product in found})
        if missing:
            raise serializers.ValidationError(
                f"Unknown product ids: {', '.join(map(str, missing))}."
            )
        return found

    def validate_categories(self, value: list[str]) -> list[Category]:
        wanted = set(value)
        found = list(Category.objects.filter(slug__in=wanted))
        missing = sorted(wanted - {category.slug for category in found})
        if missing:
            raise serializers.ValidationError(
                f"Unknown category slugs: {', '.join(missing)}."
            )
        return found

    def _current(self, attrs: dict, name: str):
        if name in attrs:
            return attrs[name]
        # A partial update keeps the stored value; a new coupon takes the model's default.
        return getattr(self.instance, name, None)

    def validate(self, attrs: dict) -> dict:
        valid_from = self._current(attrs, "valid_from")
        valid_until = self._current(attrs, "valid_until")
        if valid_from and valid_until and valid_until <= valid_from:
            raise serializers.ValidationError(
                {"valid_until": ["The end must be after the start (valid_from)."]}
            )
        return attrs
