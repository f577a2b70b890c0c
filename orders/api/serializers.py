"""Order JSON per API.md; serializers render, services decide."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.api.payment_serializers import OrderPaymentField, RefundSerializer
from orders.api.shipping_serializers import OrderAddressField, ShippingAddressField
from orders.models import Order, OrderItem

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class OrderItemSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField(allow_null=True, read_only=True)
    variant_id = serializers.IntegerField(allow_null=True, read_only=True)
    options = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = OrderItem
        fields = ["id", "product_id", "variant_id", "sku", "options", "product_name",
                  "unit_price", "quantity", "line_total"]  # fmt: skip
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True, read_only=True)
    coupon_code = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number", "status", "email", "items", "subtotal", "discount", "coupon_code",
            "shipping", "shipping_method", "tax", "total", "currency", "shipping_name",
            "shipping_address", "created_at", "paid_at", "cancelled_at", "fulfilled_at",
            "payment", "refunds", "refunded_total", "tracking_number", "carrier",
        ]  # fmt: skip
        read_only_fields = fields

    payment = OrderPaymentField()
    refunds = RefundSerializer(many=True, read_only=True)

    shipping_address = OrderAddressField(
        help_text="The address object, or the text of a checkout made the old way."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_coupon_code(self, order: Order) -> str | None:
        return order.coupon_code or None


class PlacedOrderSerializer(OrderSerializer):
    order_token = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=(
            "Guests only (null for signed-in users), returned at checkout only: send it as "
            "X-Order-Token to read, pay or cancel the order."
        ),
    )

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "order_token"]
        read_only_fields = fields

    def to_representation(self, order: Order) -> dict:
        data = super().to_representation(order)
        data["order_token"] = order.access_token if order.user_id is None else None
        return data


class CheckoutSerializer(serializers.Serializer):
    email = serializers.EmailField(
        required=False,
        max_length=254,  # Order.email
        help_text="Required for guests; users default to their account email.",
    )
    shipping_address = ShippingAddressField(
        required=False,
        help_text=(
            "The address (without id); or, only while the shop has no active shipping "
            "method, its text with shipping_name (the old body)."
        ),
    )
    shipping_name = serializers.CharField(
        max_length=150, required=False, help_text="Only with a text shipping_address."
    )
    address_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="Signed-in users: a saved address instead of shipping_address.",
    )
    shipping_method = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="A method's id from GET cart/shipping-methods/?country=.",
    )
    save_address = serializers.BooleanField(
        required=False, help_text="Signed-in users: add the address to their book."
    )

    def validate(self, attrs: dict) -> dict:
        if "shipping_address" not in attrs and "address_id" not in attrs:
            raise serializers.ValidationError(
                {"shipping_address": ["Give the address (or a saved address_id)."]}
            )
        if isinstance(attrs.get("shipping_address"), str) and not attrs.get(
            "shipping_name"
        ):
            raise serializers.ValidationError(
                {"shipping_name": ["Give the recipient's name with a text address."]}
            )
        user = self.context["request"].user
        if not attrs.get("email"):
            if not user.is_authenticated:
                raise serializers.ValidationError(
                    {"email": ["Guests must give an email."]}
                )
            attrs["email"] = user.email
        return attrs


class PaySerializer(serializers.Serializer):
    payment_token = serializers.CharField(
        max_length=100,
        required=False,
        help_text="The test gateway's token (tok_success, tok_decline); Stripe: none.",
    )

    def validate(self, attrs: dict) -> dict:
        from orders.payments import get_gateway

        if get_gateway().pays_at_once and not attrs.get("payment_token"):
            raise serializers.ValidationError(
                {"payment_token": ["This field is required."]}
            )
        return attrs


class CheckoutProblemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(
        allow_null=True, help_text="null for the coupon"
    )
    variant_id = serializers.IntegerField(
        allow_null=True, help_text="null for the coupon"
    )
    code = serializers.ChoiceField(
        choices=[
            "product_unavailable", "out_of_stock", "insufficient_stock", "coupon_invalid",
            "coupon_expired", "coupon_not_applicable", "coupon_min_subtotal", "coupon_used_up",
        ]
    )  # fmt: skip
    requested = serializers.IntegerField(allow_null=True)
    available = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()


class OrderErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class CheckoutConflictSerializer(OrderErrorSerializer):
    problems = CheckoutProblemSerializer(many=True)
