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
    product_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    quantity = StrictIntegerField(min_value=1, default=1)


def add_item_data(data) -> dict:
    """The add's body, validated as :class:`CartItemAddSerializer` validates it.

    A body that is plainly valid (a JSON object whose ids are integers in range, the
    usual case) is taken as it is: building the serializer (a deep copy of its fields)
    cost about as much as the add's whole Redis step (profiled). Anything else goes
    through the serializer, which accepts nothing more and words every error."""
    if type(data) is dict:
        product_id = data.get("product_id")
        quantity = data.get("quantity", _QUANTITY.default)
        if (
            type(product_id) is int
            and type(quantity) is int
            and _PRODUCT_ID.min_value <= product_id <= _PRODUCT_ID.max_value
            and _QUANTITY.min_value <= quantity <= settings.CART_MAX_LINE_QUANTITY
        ):
            return {"product_id": product_id, "quantity": quantity}
    serializer = CartItemAddSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


_PRODUCT_ID, _QUANTITY = (
    CartItemAddSerializer._declared_fields["product_id"],
    CartItemAddSerializer._declared_fields["quantity"],
)


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


# --- output (documentation of cart.services.cart_summary_dict) ------------------------------

STATUSES = ["ok", "reduced", "out_of_stock", "unavailable"]
WARNING_CODES = [
    "quantity_reduced",
    "out_of_stock",
    "product_unavailable",
    "price_changed",
    "coupon_removed",
]


class CartItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
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
    """``{"detail", "code"}`` plus, for stock conflicts, ``available`` and ``product_id``."""

    detail = serializers.CharField()
    code = serializers.CharField()
    available = serializers.IntegerField(required=False)
    product_id = serializers.IntegerField(required=False)
    limit = serializers.IntegerField(required=False)
