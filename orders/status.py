"""Order status changes: payment, cancellation, fulfilment and expiry.

Every change locks the order row (SELECT ... FOR UPDATE) and re-reads its status under
the lock, so two requests at once can never both make the same change (restock a
cancelled order twice, charge it twice). Any change the status machine does not allow
is InvalidTransition (409).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import StockMovement
from catalog.stock import StockChange, stock_apply
from coupons import services as coupon_services
from orders.models import Order
from orders.payments import get_gateway
from shop.exceptions import InvalidTransition


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def order_pay(*, order: Order, payment_token: str) -> Order:
    """Charge a pending order; a paid order is returned unchanged; a decline changes nothing."""
    order = _locked(order)
    if order.status == Order.Status.PAID:
        return order
    if order.status != Order.Status.PENDING:
        raise InvalidTransition(
            f"A {order.status} order cannot be paid.", status=order.status
        )
    # Charged while holding the row lock: a concurrent second payment waits and then
    # sees the order paid, so a customer is never charged twice.
    charge = get_gateway().charge(
        amount=order.total,
        currency=order.currency,
        payment_token=payment_token,
        description=f"Order {order.number}",
    )
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.payment_reference = charge.reference
    order.save(update_fields=["status", "paid_at", "payment_reference", "updated_at"])
    return order


@transaction.atomic
def order_cancel(*, order: Order, user=None, pending_only: bool = False) -> Order:
    """Cancel a pending or paid order: stock returns once, a payment is refunded.

    ``pending_only``: refuse a paid order too (expiry: an order paid while the expiry
    job waited for its row lock is the customer's, not expired)."""
    order = _locked(order)
    allowed = (Order.Status.PENDING,) if pending_only else (
        Order.Status.PENDING, Order.Status.PAID)  # fmt: skip
    if order.status not in allowed:
        raise InvalidTransition(
            f"A {order.status} order cannot be cancelled.", status=order.status
        )
    changes = [
        StockChange(item.variant_id, item.quantity)
        for item in order.items.all()
        if item.variant_id is not None  # a deleted variant has no stock to return
    ]
    if changes:
        stock_apply(
            changes=changes,
            reason=StockMovement.Reason.CANCEL,
            order=order,
            user=_user_or_none(user),
            note=f"Order {order.number} cancelled",
        )
    coupon_services.coupon_release(order=order)
    if order.status == Order.Status.PAID and order.total > 0:
        get_gateway().refund(
            charge_reference=order.payment_reference,
            amount=order.total,
            currency=order.currency,
        )
    order.status = Order.Status.CANCELLED
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    return order


@transaction.atomic
def order_fulfil(*, order: Order) -> Order:
    """Mark a paid order as fulfilled (shipped)."""
    order = _locked(order)
    if order.status != Order.Status.PAID:
        raise InvalidTransition(
            f"Only a paid order can be fulfilled; this one is {order.status}.",
            status=order.status,
        )
    order.status = Order.Status.FULFILLED
    order.fulfilled_at = timezone.now()
    order.save(update_fields=["status", "fulfilled_at", "updated_at"])
    return order


def orders_expire(*, now=None) -> int:
    """Cancel and restock pending orders unpaid after SHOP_ORDER_PAYMENT_TIMEOUT minutes."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.SHOP_ORDER_PAYMENT_TIMEOUT)
    expired = 0
    stale = Order.objects.filter(status=Order.Status.PENDING, created_at__lt=cutoff)
    for order in stale.only("pk").iterator():
        try:
            order_cancel(order=order, pending_only=True)
        except InvalidTransition:
            continue  # paid or cancelled meanwhile: not ours to expire any more
        expired += 1
    return expired
