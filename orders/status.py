"""Order status changes: payment, cancellation, fulfilment and expiry.

Every change locks the order row (SELECT ... FOR UPDATE) and re-reads its status under
the lock, so two requests at once can never both make the same change (restock a
cancelled order twice, charge it twice). Any change the status machine does not allow
is InvalidTransition (409).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import StockMovement
from catalog.stock import StockChange, stock_apply
from coupons import services as coupon_services
from orders.models import Order, Payment
from orders.notices import queue_payment_receipt, queue_shipping_notice
from orders.payments import gateway_for, get_gateway
from orders.refunds import refunded_so_far, remaining_units, reserve_refund
from shop.exceptions import InvalidTransition, PaymentDeclined

logger = logging.getLogger(__name__)

#: Who may cancel what: the customer only an unpaid order; staff until it ships.
CUSTOMER_CANCELLABLE = (Order.Status.PENDING,)
STAFF_CANCELLABLE = (
    Order.Status.PENDING, Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED)  # fmt: skip


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def mark_paid(order: Order) -> None:
    """A locked pending order becomes paid; the buyer is mailed a receipt."""
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "paid_at", "updated_at"])
    queue_payment_receipt(order)


def order_pay(*, order: Order, payment_token: str = "") -> Order:
    """Pay a pending order through its gateway: the test gateway charges at once (a
    decline is 402, the payment recorded failed, the order still pending); Stripe gets
    the order's one PaymentIntent, and its webhook pays the order. A paid order is
    returned unchanged; a total of 0.00 is paid without a gateway."""
    declined = None
    with transaction.atomic():
        order = _locked(order)
        if order.status == Order.Status.PAID:
            return order
        if order.status != Order.Status.PENDING:
            raise InvalidTransition(
                f"A {order.status} order cannot be paid.", status=order.status
            )
        if order.total == 0:
            mark_paid(order)
            return order
        payment = Payment.objects.filter(order=order).first()
        gateway = gateway_for(payment.provider) if payment else get_gateway()
        if payment is None:
            payment = Payment(
                order=order,
                provider=gateway.provider,
                amount=order.total,
                currency=order.currency,
            )
        # Asked while holding the row lock: a concurrent second payment waits and then
        # sees the order paid (test), or the intent already made (Stripe, whose create
        # also carries the order's idempotency key): never charged twice.
        try:
            result = gateway.pay(
                order=order, payment=payment, payment_token=payment_token
            )
        except PaymentDeclined as exc:
            payment.status = Payment.Status.FAILED
            payment.save()
            declined = exc
        else:
            payment.reference = result.reference
            payment.client_secret = result.client_secret
            if gateway.pays_at_once and result.status == Payment.Status.SUCCEEDED:
                payment.status = Payment.Status.SUCCEEDED
                payment.succeeded_at = timezone.now()
                mark_paid(order)
            elif payment.status == Payment.Status.FAILED:
                # Stripe lets a failed intent be confirmed again: the buyer retries.
                payment.status = Payment.Status.REQUIRES_PAYMENT
            else:
                payment.status = result.status
            payment.save()
    if declined is not None:
        raise declined  # after the commit: the failed payment is on record
    return order


def payment_confirming(*, order: Order) -> Payment | None:
    """The buyer came back from confirming with the provider: its payment shows as
    processing until the webhook says how it went (the provider is asked, not the
    return address's parameters)."""
    payment = Payment.objects.filter(order=order).first()
    if payment is None or payment.status == Payment.Status.SUCCEEDED:
        return payment
    gateway = gateway_for(payment.provider)
    if not payment.reference or not hasattr(gateway, "intent_status"):
        return payment
    status = gateway.intent_status(reference=payment.reference)
    if status in (Payment.Status.PROCESSING, Payment.Status.SUCCEEDED):
        Payment.objects.filter(pk=payment.pk).exclude(
            status=Payment.Status.SUCCEEDED
        ).update(status=Payment.Status.PROCESSING, updated_at=timezone.now())
        payment.refresh_from_db()
    return payment


@transaction.atomic
def order_cancel(
    *, order: Order, user=None, pending_only: bool = False, staff: bool = False
) -> Order:
    """Cancel an order: stock returns once, what was paid and not refunded is refunded.

    Customers (and expiry, ``pending_only``) cancel pending orders only; ``staff`` also
    paid and partially refunded ones, until they ship. Expiry: an order paid while the
    job waited for its row lock is the customer's, not expired."""
    order = _locked(order)
    allowed = STAFF_CANCELLABLE if staff and not pending_only else CUSTOMER_CANCELLABLE
    if order.status not in allowed:
        by_customer = not staff and order.status in STAFF_CANCELLABLE
        raise InvalidTransition(
            f"A {order.status} order cannot be cancelled"
            + (" by its customer: ask the shop." if by_customer else "."),
            status=order.status,
        )
    done = refunded_so_far(order)
    changes = [
        StockChange(item.variant_id, item.quantity - done.restocked.get(item.pk, 0))
        for item in order.items.all()
        # A deleted variant has no stock to return; refunds may have restocked all.
        if item.variant_id is not None and item.quantity > done.restocked.get(item.pk, 0)
    ]  # fmt: skip
    if changes:
        stock_apply(
            changes=changes,
            reason=StockMovement.Reason.CANCEL,
            order=order,
            user=_user_or_none(user),
            note=f"Order {order.number} cancelled",
        )
    coupon_services.coupon_release(order=order)
    was_paid = order.status != Order.Status.PENDING
    if was_paid and order.total > order.refunded_total:
        reserve_refund(
            order=order,
            units=remaining_units(order, done),
            shipping=not done.shipping and order.shipping + order.shipping_tax > 0,
            restocked=True,
            reason="Order cancelled",
            user=user,
            amount=order.total - order.refunded_total,
        )
    elif not was_paid:
        _cancel_payment_after_commit(order)
    order.status = Order.Status.CANCELLED
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    return order


def _cancel_payment_after_commit(order: Order) -> None:
    payment = Payment.objects.filter(order=order).exclude(reference="").first()
    if payment is None or payment.status == Payment.Status.SUCCEEDED:
        return
    from orders.tasks import cancel_payment

    transaction.on_commit(lambda: cancel_payment.delay(payment.pk), robust=True)


def payment_cancel(*, payment_id: int) -> bool:
    """Cancel a cancelled order's payment at its provider where it can be; one that
    still succeeds is refunded by the webhook."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == Payment.Status.SUCCEEDED:
        return False
    return gateway_for(payment.provider).cancel(reference=payment.reference)


@transaction.atomic
def order_fulfil(
    *, order: Order, tracking_number: str = "", carrier: str = ""
) -> Order:
    """Mark a paid order as fulfilled (shipped); the buyer is mailed the tracking."""
    order = _locked(order)
    if order.status != Order.Status.PAID:
        raise InvalidTransition(
            f"Only a paid order can be fulfilled; this one is {order.status}.",
            status=order.status,
        )
    order.status = Order.Status.FULFILLED
    order.fulfilled_at = timezone.now()
    order.tracking_number = tracking_number
    order.carrier = carrier
    order.save(
        update_fields=[
            "status", "fulfilled_at", "tracking_number", "carrier", "updated_at"]
    )  # fmt: skip
    queue_shipping_notice(order)
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
