"""The payment and refunds parts of the order JSON, and the bodies of refund, fulfil."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import Payment, Refund, RefundLine


class PaymentSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text="test or stripe")
    status = serializers.ChoiceField(choices=Payment.Status.values)
    payment_intent = serializers.CharField(
        required=False, help_text="Stripe only: the PaymentIntent's id."
    )
    client_secret = serializers.CharField(
        required=False, help_text="Stripe only: for Stripe.js's Payment Element."
    )
    publishable_key = serializers.CharField(
        required=False, help_text="Stripe only: the key Stripe.js is loaded with."
    )

    def to_representation(self, payment: Payment) -> dict:
        data = {"provider": payment.provider, "status": payment.status}
        if payment.provider == "stripe":
            data.update(
                payment_intent=payment.reference,
                client_secret=payment.client_secret,
                publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            )
        return data


class RefundLineSerializer(serializers.ModelSerializer):
    item_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = RefundLine
        fields = ["item_id", "quantity"]
        read_only_fields = fields


class RefundSerializer(serializers.ModelSerializer):
    lines = RefundLineSerializer(many=True, read_only=True)
    shipping = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        source="shipping_amount",
        read_only=True,
        help_text="The shipping (with its tax) this refund gave back; 0.00 if none.",
    )
    status = serializers.ChoiceField(choices=Refund.Status.values, read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "amount", "lines", "shipping", "restocked", "reason", "status",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class RefundLineRequestSerializer(serializers.Serializer):
    item_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class RefundRequestSerializer(serializers.Serializer):
    lines = RefundLineRequestSerializer(many=True, required=False, max_length=500)
    shipping = serializers.BooleanField(
        required=False, default=False, help_text="Refund the shipping (and its tax)."
    )
    restock = serializers.BooleanField(
        required=False, default=False, help_text="Put the refunded units back in stock."
    )
    reason = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=500
    )

    def validate(self, attrs: dict) -> dict:
        attrs["lines"] = [
            (line["item_id"], line["quantity"]) for line in attrs.get("lines", [])
        ]
        return attrs


class FulfilSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100
    )
    carrier = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100
    )


@extend_schema_field(PaymentSerializer(allow_null=True))
class OrderPaymentField(serializers.Field):
    """The order's payment, or null (none asked for yet, or a total of 0.00)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, order):
        try:
            payment = order.payment
        except Payment.DoesNotExist:
            return None
        return PaymentSerializer(payment).data
