"""Mail to buyers: the order confirmation, queued as a task once the checkout commits,
sent once (the order records it), retried with backoff by ``orders.tasks``."""

import logging
from datetime import timedelta
from smtplib import SMTPRecipientsRefused
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.shortcuts import resolve_url
from django.utils import timezone

from orders.models import Order
from orders.selectors import order_queryset
from shop.mail import shop_message

logger = logging.getLogger(__name__)

#: The query parameter of an order page's address that carries a guest's order token.
ORDER_LINK_TOKEN = "token"
#: How long the sweep leaves an owed mail to the task its checkout queued.
CONFIRMATION_SETTLE = timedelta(minutes=5)
#: Orders older than this owe no confirmation any more.
CONFIRMATION_GIVE_UP = timedelta(days=2)


def order_link(order: Order) -> str:
    """The address of the order's page for mail ("" without SHOP_SITE_URL). A guest's
    carries the order's token, which opens the page (and its Pay form) in any browser; a
    user's goes through the sign-in page (which sends a signed-in user straight on)."""
    if not settings.SHOP_SITE_URL:
        return ""
    page = order.get_absolute_url()
    if order.user_id is None:
        path, query = page, {ORDER_LINK_TOKEN: order.access_token}
    else:
        path, query = resolve_url(settings.LOGIN_URL), {"next": page}
    return f"{settings.SHOP_SITE_URL}{path}?{urlencode(query)}"


def confirmation_message(order: Order) -> EmailMultiAlternatives:
    """The order's confirmation, plain text and HTML, to its email address."""
    return shop_message(
        to=[order.email],
        subject=f"order {order.number} received",
        template="mail/orders/confirmation",
        context={
            "order": order,
            "items": list(order.items.all()),
            "order_url": order_link(order),
        },
    )


def queue_confirmation(order: Order) -> None:
    """Queue the order's confirmation for when the current transaction commits. A broker
    that cannot take it is logged; the sweep (:func:`confirmations_owed`) sends it."""
    from orders.tasks import send_order_confirmation

    transaction.on_commit(lambda: send_order_confirmation.delay(order.pk), robust=True)


def order_send_confirmation(
    *, order_id: int, retry_in: timedelta = timedelta(0)
) -> bool:
    """Send the order's confirmation unless it was sent, is being sent, was given up or
    the order is cancelled (the mail would ask to pay); whether it was sent now.

    Claimed first by a conditional update, so two senders (the checkout's task and the
    sweep's) never both send it. A failed send gives the claim back and raises, for the
    caller to try again in ``retry_in``: the mail is due again then, so the sweep leaves
    it to that retry until it is overdue. An address the mail server refuses for good is
    given up."""
    claimed_at = timezone.now()
    claimed = (
        Order.objects.filter(
            pk=order_id, confirmation_sent_at=None, confirmation_due_at__isnull=False
        )
        .exclude(status=Order.Status.CANCELLED)
        .update(confirmation_sent_at=claimed_at)
    )
    if not claimed:
        return False
    claim = Order.objects.filter(pk=order_id, confirmation_sent_at=claimed_at)
    try:
        confirmation_message(order_queryset().get(pk=order_id)).send()
    except Exception as exc:
        if _refused_for_good(exc):
            logger.warning(
                "The mail server refused order %s's address for good.", order_id
            )
            claim.update(confirmation_sent_at=None, confirmation_due_at=None)
            return False
        claim.update(
            confirmation_sent_at=None, confirmation_due_at=timezone.now() + retry_in
        )
        raise
    return True


def _refused_for_good(exc: Exception) -> bool:
    """Every recipient refused with a permanent (5xx) code: no such mailbox."""
    return isinstance(exc, SMTPRecipientsRefused) and all(
        code >= 500 for code, _ in exc.recipients.values()
    )


def confirmations_owed(*, now=None) -> list[int]:
    """The orders whose confirmation is still owed a while after their checkout (a crash
    between the commit and the queueing, a broker that was down), oldest first."""
    now = now or timezone.now()
    return list(
        Order.objects.filter(
            confirmation_sent_at=None,
            confirmation_due_at__lte=now - CONFIRMATION_SETTLE,
            created_at__gte=now - CONFIRMATION_GIVE_UP,
        )
        .exclude(status=Order.Status.CANCELLED)
        .order_by("confirmation_due_at", "pk")
        .values_list("pk", flat=True)[:1000]
    )
