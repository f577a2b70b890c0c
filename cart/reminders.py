"""Abandoned carts: a signed-in customer who opted in (``User.cart_reminders``) and left
items in their cart for SHOP_ABANDONED_CART_HOURS gets one mail linking back to it.

A cart's idleness is read from the store: every write renews its lifetime to CART_TTL,
so ``CART_TTL - ttl`` is the time since it last changed. Each state of a cart (its
revision) is reminded of once, claimed by a unique row before the mail goes; a cart with
an order placed since it last changed is never reminded of (the checkout takes what it
ordered out of the cart, and the buyer has shown they are not lost).
"""

import logging
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cart.cart import Cart
from cart.models import CartReminder
from cart.store import get_store
from shop.mail import shop_message

logger = logging.getLogger(__name__)


def carts_remind(*, now=None, limit: int = 1000) -> int:
    """Mail the reminders that are due (at most ``limit``); returns how many went."""
    if not settings.SHOP_SITE_URL:
        logger.warning("SHOP_SITE_URL is not set: no cart reminders to link from.")
        return 0
    now = now or timezone.now()
    idle_for = settings.SHOP_ABANDONED_CART_HOURS * 3600
    store = get_store()
    users = (
        get_user_model()
        .objects.filter(cart_reminders=True, is_active=True)
        .order_by("pk")
    )
    sent = 0
    for user in users.iterator(chunk_size=500):
        snapshot = store.read(Cart.for_user(user).id)
        idle = settings.CART_TTL - snapshot.ttl
        if not snapshot.lines or not snapshot.revision or idle < idle_for:
            continue
        changed_at = now - timedelta(seconds=idle)
        # The orders app sits above the cart: its rows are reached through the user.
        if user.orders.filter(created_at__gte=changed_at).exists():
            continue
        if _claim(user, snapshot.revision) and _send(user, snapshot):
            sent += 1
            if sent >= limit:
                break
    return sent


def _claim(user, revision: str) -> bool:
    try:
        with transaction.atomic():
            CartReminder.objects.create(user=user, revision=revision)
    except IntegrityError:
        return False  # reminded of already (or by a concurrent run)
    return True


def _send(user, snapshot) -> bool:
    message = shop_message(
        to=[user.email],
        subject="your cart is waiting",
        template="mail/cart/reminder",
        context={
            "user": user,
            "lines": len(snapshot.lines),
            "cart_link": settings.SHOP_SITE_URL + reverse("shop:cart"),
            "account_link": settings.SHOP_SITE_URL + reverse("shop:account"),
        },
    )
    try:
        message.send()
    except (SMTPException, OSError):
        logger.exception("The cart reminder to %s could not be sent.", user.email)
        # The claim is given back: the next run tries again.
        CartReminder.objects.filter(user=user, revision=snapshot.revision).delete()
        return False
    return True
