"""Serializers of the cart API: they parse input and document the output; services decide."""

from django.conf import settings
from rest_framework import serializers

from cart.cart import TOKEN_RE


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: no strings ("3"), no floats (3.0), no booleans."""

    default_error_messages = {
        "invalid": 'A whole number is required (e.g. 2, not "2").'
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class _QuantityMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read at request time (settings are never read at import time).
        self.fields["quantity"].max_value = settings.CART_MAX_LINE_QUANTITY
        from django.core.validators import MaxValueValidator

        self.fields["quantity"].validators.append(
            MaxValueValidator(settings.CART_MAX_LINE_QUANTITY)
        )


class CartItemAddSerializer(_QuantityMixin, serializers.Serializer):
    """``{variant_id, quantity}``, or ``{product_id, quantity}`` for a one-variant product."""

    variant_id = StrictIntegerField(min_value=1, max_value=2**63 - 1, required=False)
    product_id = StrictIntegerField(min_value=1, max_value=2**63 - 1, required=False)
    quantity = StrictIntegerField(min_value=1, default=1)

    def validate(self, attrs):
        if ("variant_id" in attrs) == ("product_id" in attrs):
            raise serializers.ValidationError(
                {"variant_id": ["Name the variant (variant_id) or, for a product with "
                                "one variant, the product (product_id)."]}
            )  # fmt: skip
        return attrs


class CartItemSetSerializer(_QuantityMixin, serializers.Serializer):
    quantity = StrictIntegerField(min_value=0, help_text="0 removes the line.")


class CartCouponSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)


class CartMergeSerializer(serializers.Serializer):
    token = serializers.RegexField(
        TOKEN_RE,
        max_length=64,
        help_text="The anonymous cart's token (from POST /carts/).",
    )


# --- output (documentation of cart.selectors.CartSummary.as_dict) -------------------------

STATUSES = ["ok", "reduced", "out_of_stock", "unavailable"]
WARNING_CODES = [
    "quantity_reduced",
    "out_of_stock",
    "product_unavailable",
    "price_changed",
    "coupon_removed",
]


class CartItemSerializer(serializers.Serializer):
    variant_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    options = serializers.DictField(child=serializers.CharField())
    slug = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.IntegerField()
    status = serializers.ChoiceField(choices=STATUSES)
    price_changed = serializers.BooleanField()


class CartCouponInfoSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(allow_blank=True)


class CartWarningSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=WARNING_CODES)
    product_id = serializers.IntegerField(required=False)
    variant_id = serializers.IntegerField(required=False)
    message = serializers.CharField()


class CartSerializer(serializers.Serializer):
    items = CartItemSerializer(many=True)
    count = serializers.IntegerField(help_text="Distinct products.")
    quantity = serializers.IntegerField(help_text="Total units.")
    subtotal = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    coupon = CartCouponInfoSerializer(allow_null=True)
    warnings = CartWarningSerializer(many=True)
    expires_in = serializers.IntegerField(help_text="Seconds until the cart expires.")


class NewCartSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as X-Cart-Token.")
    cart = CartSerializer()


class CartErrorSerializer(serializers.Serializer):
    """``{"detail", "code"}`` plus, for stock conflicts, ``available``, ``product_id``
    and ``variant_id``."""

    detail = serializers.CharField()
    code = serializers.CharField()
    available = serializers.IntegerField(required=False)
    product_id = serializers.IntegerField(required=False)
    variant_id = serializers.IntegerField(required=False)
    limit = serializers.IntegerField(required=False)
