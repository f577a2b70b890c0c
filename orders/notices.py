"""Mail to buyers after checkout: the payment receipt, the shipping notice (with the
tracking number) and the refund notice. Queued as tasks once the change commits, each
sent once, retried by ``orders.tasks``."""

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from orders.models import Order, Refund
from orders.notifications import order_link
from shop.mail import shop_message


def _message(order: Order, subject: str, template: str, context: dict):
    return shop_message(
        to=[order.email],
        subject=subject,
        template=f"mail/orders/{template}",
        context={"order": order, "order_url": order_link(order), **context},
    )


def payment_receipt_message(order: Order) -> EmailMultiAlternatives:
    return _message(
        order,
        f"payment received for order {order.number}",
        "paid",
        {"items": list(order.items.all())},
    )


def shipping_notice_message(order: Order) -> EmailMultiAlternatives:
    return _message(
        order,
        f"order {order.number} is on its way",
        "shipped",
        {"items": list(order.items.all())},
    )


def refund_notice_message(refund: Refund) -> EmailMultiAlternatives:
    order = refund.order
    return _message(
        order,
        f"a refund on order {order.number}",
        "refund",
        {"refund": refund, "lines": list(refund.lines.select_related("item"))},
    )


def queue_payment_receipt(order: Order) -> None:
    from orders.tasks import send_payment_receipt

    transaction.on_commit(lambda: send_payment_receipt.delay(order.pk), robust=True)


def queue_shipping_notice(order: Order) -> None:
    from orders.tasks import send_shipping_notice

    transaction.on_commit(lambda: send_shipping_notice.delay(order.pk), robust=True)


def queue_refund_notice(refund: Refund) -> None:
    from orders.tasks import send_refund_notice

    transaction.on_commit(lambda: send_refund_notice.delay(refund.pk), robust=True)


def _send_once(model, pk: int, sent_field: str, message, **state) -> bool:
    """Send ``message(row)`` for the ``model`` row ``pk`` in ``state`` unless its
    ``sent_field`` says it went out; whether it was sent now. Claimed first by a
    conditional update, so a task delivered twice (or run beside its retry) mails once;
    a failed send gives the claim back and raises, for the task to retry."""
    claimed_at = timezone.now()
    rows = model.objects.filter(pk=pk, **state)
    if not rows.filter(**{sent_field: None}).update(**{sent_field: claimed_at}):
        return False
    # Given back by id alone: the row may have left ``state`` since the claim.
    claim = model.objects.filter(pk=pk, **{sent_field: claimed_at})
    row = rows.first()
    if row is None:  # it left ``state`` between the claim and the read: no mail
        claim.update(**{sent_field: None})
        return False
    try:
        message(row).send()
    except Exception:
        claim.update(**{sent_field: None})
        raise
    return True


def order_send_payment_receipt(*, order_id: int) -> bool:
    """Send a paid order's receipt once (none once it was cancelled or refunded
    meanwhile: the refund's own mail says what happened)."""
    return _send_once(
        Order,
        order_id,
        "payment_receipt_sent_at",
        payment_receipt_message,
        status__in=[Order.Status.PAID, Order.Status.FULFILLED],
    )


def order_send_shipping_notice(*, order_id: int) -> bool:
    """Send a fulfilled order's notice once (none for an order no longer fulfilled)."""
    return _send_once(
        Order,
        order_id,
        "shipping_notice_sent_at",
        shipping_notice_message,
        status=Order.Status.FULFILLED,
    )


def refund_send_notice(*, refund_id: int) -> bool:
    """Send the notice of a refund that went through, once."""
    return _send_once(
        Refund,
        refund_id,
        "notice_sent_at",
        refund_notice_message,
        status=Refund.Status.SUCCEEDED,
    )
