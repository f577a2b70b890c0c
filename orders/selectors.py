"""Reads of orders: who may see which order."""

import hmac
import re

from django.db.models import Prefetch, QuerySet

from orders.models import IdempotencyKey, Order, OrderItem, Refund, RefundLine


def order_queryset() -> QuerySet[Order]:
    """Orders with their payment, items and refunds (with their lines), in four queries
    however many orders."""
    return Order.objects.select_related("payment").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.order_by("id")),
        Prefetch(
            "refunds",
            queryset=Refund.objects.order_by("created_at", "id").prefetch_related(
                Prefetch("lines", queryset=RefundLine.objects.order_by("id"))
            ),
        ),
    )


def order_list_for(*, user, status: str | None = None) -> QuerySet[Order]:
    """Staff see every order, a signed-in user their own; guests none."""
    if not getattr(user, "is_authenticated", False):
        return Order.objects.none()
    orders = order_queryset()
    if not user.is_staff:
        orders = orders.filter(user=user)
    if status:
        orders = orders.filter(status=status)
    return orders


#: What an order number can look like; anything else (a NUL byte, 100k characters) is
#: simply not an order, and never reaches the database.
ORDER_NUMBER_RE = re.compile(r"[A-Za-z0-9]{1,20}")


def order_visible_to(
    *, number: str, user=None, order_token: str | None = None
) -> Order | None:
    """The order if this user (owner or staff) or the holder of its token may see it."""
    if not isinstance(number, str) or not ORDER_NUMBER_RE.fullmatch(number):
        return None
    order = order_queryset().filter(number=number).first()
    if order is None:
        return None
    if getattr(user, "is_authenticated", False) and (
        user.is_staff or order.user_id == user.pk
    ):
        return order
    if order_token and hmac.compare_digest(
        order_token.encode(), order.access_token.encode()
    ):
        return order
    return None


def order_is_customer(
    *, order: Order, user=None, order_token: str | None = None
) -> bool:
    """Whether the request acts as the order's customer (not merely as staff)."""
    if getattr(user, "is_authenticated", False) and order.user_id == user.pk:
        return True
    return bool(order_token) and hmac.compare_digest(
        order_token.encode(), order.access_token.encode()
    )


def order_for_idempotency_key(*, owner: str, key: str) -> Order | None:
    """The order a checkout with this Idempotency-Key made for this cart owner, if any."""
    found = (
        IdempotencyKey.objects.select_related("order")
        .filter(owner=owner, key=key)
        .first()
    )
    return found.order if found else None
