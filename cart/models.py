"""The cart itself lives in Redis (cart.store); the database only records the reminders
mailed about carts left with items (cart.reminders)."""

from django.conf import settings
from django.db import models


class CartReminder(models.Model):
    """One reminder about one state of a user's cart (its revision): a cart is reminded
    of once; changing it makes a new state."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    revision = models.CharField(max_length=32)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "revision"], name="cart_reminder_once"
            )
        ]
        indexes = [models.Index(fields=["sent_at"], name="cart_reminder_sent_idx")]

    def __str__(self):
        return f"{self.user} at {self.sent_at:%Y-%m-%d %H:%M}"
