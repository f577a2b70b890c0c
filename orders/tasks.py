"""Celery tasks of orders: thin, each loads ids and calls a service, safe to run twice."""

import logging
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task

from orders.notifications import confirmations_owed, order_send_confirmation
from orders.reports import sales_rebuild
from orders.status import orders_expire

logger = logging.getLogger(__name__)

#: The first retry's delay; each next one waits twice as long (30 s, 1, 2, 4 ... min).
RETRY_BACKOFF = 30


@shared_task(bind=True, max_retries=8)
def send_order_confirmation(self, order_id: int) -> bool:
    """Mail one order's confirmation; the mail server's errors retry with backoff. Run
    in the web process (no broker), or once the retries are spent, a failure is logged
    and left to the sweep, not retried there and then."""
    retrying = not self.request.is_eager and self.request.retries < self.max_retries
    countdown = RETRY_BACKOFF * 2**self.request.retries if retrying else 0
    try:
        return order_send_confirmation(
            order_id=order_id, retry_in=timedelta(seconds=countdown)
        )
    except (SMTPException, OSError) as exc:
        if not retrying:
            logger.warning("The confirmation of order %s failed: %r", order_id, exc)
            return False
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task
def send_owed_confirmations() -> int:
    """Queue the confirmations still owed (periodic, see CELERY_BEAT_SCHEDULE)."""
    owed = confirmations_owed()
    for order_id in owed:
        send_order_confirmation.delay(order_id)
    return len(owed)


@shared_task
def expire_unpaid_orders() -> int:
    """Cancel and restock pending orders left unpaid too long (periodic)."""
    return orders_expire()


def _countdown(task) -> tuple[bool, int]:
    retrying = not task.request.is_eager and task.request.retries < task.max_retries
    return retrying, (RETRY_BACKOFF * 2**task.request.retries if retrying else 0)


@shared_task(bind=True, max_retries=8)
def execute_refund(self, refund_id: int) -> str:
    """Ask the provider for a pending refund; an unreachable provider retries with
    backoff (the refund's idempotency key makes a retry safe), or is left pending for
    the sweep (no broker, retries spent)."""
    from orders.payments import GatewayUnavailable
    from orders.refunds import refund_execute

    retrying, countdown = _countdown(self)
    try:
        return refund_execute(refund_id=refund_id).status
    except GatewayUnavailable as exc:
        if not retrying:
            logger.warning("Refund %s left pending: %r", refund_id, exc)
            return "pending"
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task
def retry_pending_refunds() -> int:
    """Queue refunds still pending a while after they were made (periodic)."""
    from django.utils import timezone

    from orders.refunds import refunds_pending

    pending = refunds_pending(older_than=timezone.now() - timedelta(minutes=10))
    for refund_id in pending:
        execute_refund.delay(refund_id)
    return len(pending)


@shared_task(bind=True, max_retries=5)
def cancel_payment(self, payment_id: int) -> bool:
    """Cancel a cancelled order's payment at its provider (a success after all is
    refunded by the webhook)."""
    from orders.payments import GatewayUnavailable
    from orders.status import payment_cancel

    retrying, countdown = _countdown(self)
    try:
        return payment_cancel(payment_id=payment_id)
    except GatewayUnavailable as exc:
        if not retrying:
            logger.warning("Payment %s not cancelled: %r", payment_id, exc)
            return False
        raise self.retry(exc=exc, countdown=countdown) from None


def _mail(task, send, what: str, **ids) -> bool:
    retrying, countdown = _countdown(task)
    try:
        return send(**ids)
    except (SMTPException, OSError) as exc:
        if not retrying:
            logger.warning("The %s %s failed: %r", what, ids, exc)
            return False
        raise task.retry(exc=exc, countdown=countdown) from None


@shared_task(bind=True, max_retries=8)
def send_payment_receipt(self, order_id: int) -> bool:
    """Mail a paid order's receipt; SMTP errors retry with backoff."""
    from orders.notices import order_send_payment_receipt

    return _mail(self, order_send_payment_receipt, "payment receipt", order_id=order_id)


@shared_task(bind=True, max_retries=8)
def send_shipping_notice(self, order_id: int) -> bool:
    """Mail a fulfilled order's shipping notice; SMTP errors retry with backoff."""
    from orders.notices import order_send_shipping_notice

    return _mail(self, order_send_shipping_notice, "shipping notice", order_id=order_id)


@shared_task(bind=True, max_retries=8)
def send_refund_notice(self, refund_id: int) -> bool:
    """Mail a refund's notice; SMTP errors retry with backoff."""
    from orders.notices import refund_send_notice

    return _mail(self, refund_send_notice, "refund notice", refund_id=refund_id)


@shared_task
def rebuild_daily_sales(days: int = 2) -> int:
    """The dashboard's stored days: yesterday and the day before (beat, after midnight
    UTC; a late refund or webhook of the day before is caught by the second)."""
    return sales_rebuild(days=days)
