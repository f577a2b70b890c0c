"""What was paid for an order and what was given back: one payment per order (a Stripe
PaymentIntent or a test charge), refunds by line, and the provider events seen."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Payment(models.Model):
    class Status(models.TextChoices):
        REQUIRES_PAYMENT = "requires_payment", "Requires payment"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="payment"
    )
    provider = models.CharField(max_length=20)  # "test", "stripe"
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUIRES_PAYMENT
    )
    # The provider's id: a PaymentIntent (pi_...) or a test charge.
    reference = models.CharField(max_length=100, blank=True)
    client_secret = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reference"],
                condition=~Q(reference=""),
                name="payment_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="payment_amount_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.provider} {self.reference or '-'} ({self.status})"


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="refunds"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # The part of ``amount`` that is shipping (with its tax), 0 when it was not refunded.
    shipping_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    restocked = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reference = models.CharField(max_length=100, blank=True)  # the provider's refund id
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the buyer's refund notice went out (claimed before sending: orders.notices).
    notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="refund_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(shipping_amount__gte=0),
                name="refund_shipping_not_negative",
            ),
        ]

    def __str__(self):
        return f"Refund {self.amount} of {self.order}"


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        "orders.OrderItem", on_delete=models.CASCADE, related_name="refund_lines"
    )
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="refund_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.item}"


class PaymentEvent(models.Model):
    """A provider's webhook event, recorded by id: a replay or a duplicate changes nothing."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payment_events",
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="payment_event_once"
            )
        ]

    def __str__(self):
        return f"{self.provider} {self.type} {self.event_id}"
