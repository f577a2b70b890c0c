"""A provider's verified webhook events acted on once: an order paid, a payment failed,
a payment that arrived after its order was cancelled given back."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Order, Payment, PaymentEvent
from orders.payments.base import WebhookEvent, to_minor_units
from orders.refunds import refunded_so_far, remaining_units, reserve_refund

logger = logging.getLogger(__name__)

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


@transaction.atomic
def payment_event_handle(*, provider: str, event: WebhookEvent) -> str:
    """Act on a verified event once; what was done ("duplicate", "ignored", "paid",
    "failed", "mismatch", "refunded")."""
    try:
        # Inserted first, under this transaction: a concurrent duplicate waits on the
        # unique index, then fails here and changes nothing.
        with transaction.atomic():
            record = PaymentEvent.objects.create(
                provider=provider, event_id=event.id, type=event.type[:100]
            )
    except IntegrityError:
        return "duplicate"
    if event.type not in (SUCCEEDED, FAILED) or not event.reference:
        return "ignored"
    found = Payment.objects.filter(provider=provider, reference=event.reference).first()
    if found is None:
        return "ignored"
    order = Order.objects.select_for_update().get(pk=found.order_id)
    payment = Payment.objects.get(pk=found.pk)
    record.order = order
    record.save(update_fields=["order"])
    if event.type == FAILED:
        if payment.status == Payment.Status.SUCCEEDED:
            return "ignored"  # out of order: the success stands
        payment.status = Payment.Status.FAILED
        payment.save(update_fields=["status", "updated_at"])
        return "failed"
    expected = to_minor_units(payment.amount, payment.currency)
    if event.amount_minor != expected or event.currency != payment.currency.lower():
        logger.error(
            "Payment event %s for order %s: %s %s received, %s %s expected; ignored.",
            event.id, order.number, event.amount_minor, event.currency, expected,
            payment.currency.lower(),
        )  # fmt: skip
        return "mismatch"
    if payment.status == Payment.Status.SUCCEEDED:
        return "ignored"
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    if order.status == Order.Status.PENDING:
        from orders.status import mark_paid

        mark_paid(order)
        return "paid"
    if order.status == Order.Status.CANCELLED and order.refunded_total < order.total:
        # Cancelled (or expired) before the money came: it goes straight back.
        done = refunded_so_far(order)
        reserve_refund(
            order=order,
            units=remaining_units(order, done),
            shipping=not done.shipping and order.shipping + order.shipping_tax > 0,
            restocked=False,
            reason="Paid after the order was cancelled",
            amount=order.total - order.refunded_total,
        )
        logger.warning("Order %s was paid after its cancellation: refunded.", order)
        return "refunded"
    logger.error("Order %s (%s) was paid again: %s", order, order.status, event.id)
    return "ignored"
