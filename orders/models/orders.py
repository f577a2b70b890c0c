import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from catalog.models import variant_name

# No 0/O/1/I/L: numbers are read aloud on the phone and typed from emails.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_LENGTH = 12  # 31**12 ≈ 2**59: short, yet not guessable by enumeration


def new_order_number() -> str:
    # One draw for all twelve characters (a choice each asks the OS twelve times): a
    # number below 31**12, written in the alphabet's base, as uniform as the choices.
    n = secrets.randbelow(len(NUMBER_ALPHABET) ** NUMBER_LENGTH)
    chars = []
    for _ in range(NUMBER_LENGTH):
        n, digit = divmod(n, len(NUMBER_ALPHABET))
        chars.append(NUMBER_ALPHABET[digit])
    return "".join(chars)


def new_order_token() -> str:
    return secrets.token_urlsafe(24)


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending payment"
        PAID = "paid", "Paid"
        FULFILLED = "fulfilled", "Fulfilled"
        CANCELLED = "cancelled", "Cancelled"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"

    number = models.CharField(
        max_length=20, unique=True, default=new_order_number, editable=False
    )
    # Lets a guest read and pay their order: handed out once, at checkout.
    access_token = models.CharField(
        max_length=64, default=new_order_token, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        # order_user_created_idx (user, -created_at) serves every lookup by user: an
        # index of its own would only be one more to write at every checkout.
        db_index=False,
    )
    email = models.EmailField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING
    )
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    coupon_code = models.CharField(max_length=40, blank=True)
    shipping = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    shipping_method = models.CharField(max_length=100, blank=True)  # its name, then
    # The part of ``tax`` on the shipping (pricing's split; a refund of shipping uses it).
    shipping_tax = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=5, default=0)
    tax = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    refunded_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    shipping_name = models.CharField(max_length=150)
    # The address as text (an order placed the old way holds only this) ...
    shipping_address = models.TextField(max_length=1000)
    # ... and, for a structured address, its snapshot: {name, line1, line2, city,
    # postcode, region, country, phone}.
    address = models.JSONField(null=True, blank=True)
    shipping_country = models.CharField(max_length=2, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The confirmation mail: owed since the checkout that queued it, or until a failed
    # send's retry (orders from before this field, and addresses refused for good, owe
    # none), and when it went out. The sweep (orders.tasks.send_owed_confirmations) sends
    # what a lost task or a broker outage left owed.
    confirmation_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the payment receipt went out (claimed before sending: orders.notices).
    payment_receipt_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False
    )
    # When the shipping notice went out (claimed before sending: orders.notices).
    shipping_notice_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0), name="order_subtotal_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0), name="order_discount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(tax__gte=0), name="order_tax_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0), name="order_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(shipping__gte=0), name="order_shipping_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0)
                & Q(refunded_total__lte=models.F("total")),
                name="order_refunded_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="order_user_created_idx"),
            models.Index(
                fields=["status", "created_at"], name="order_status_created_idx"
            ),
            # The dashboard's "paid today" and the daily sales rebuild.
            models.Index(
                fields=["paid_at"],
                condition=Q(paid_at__isnull=False),
                name="order_paid_at_idx",
            ),
            # Only the few orders whose confirmation is still to be sent.
            models.Index(
                fields=["confirmation_due_at"],
                condition=Q(
                    confirmation_sent_at__isnull=True,
                    confirmation_due_at__isnull=False,
                ),
                name="order_mail_owed_idx",
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("shop:order", args=[self.number])


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    # SET_NULL: deleting a product never breaks the order history; the snapshot stays.
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    variant = models.ForeignKey(
        "catalog.Variant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Snapshots of what was bought, as it was then.
    product_name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64, blank=True)
    options = models.JSONField(default=dict, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    # The line's shares of the order's discount and tax (pricing's largest-remainder
    # split): what the buyer paid for it is line_total - discount + tax.
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_item_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.name}"

    @property
    def name(self) -> str:
        """The item as people read it: "Tee — M / Red"."""
        return variant_name(self.product_name, self.options)


class IdempotencyKey(models.Model):
    """A checkout request's key, unique per cart owner, pointing at the order it made."""

    owner = models.CharField(
        max_length=100, help_text="The cart owner, e.g. user:42 or anon:<token>."
    )
    key = models.CharField(max_length=255)
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "key"], name="idempotency_key_unique_per_owner"
            )
        ]

    def __str__(self):
        return f"{self.owner}:{self.key}"
