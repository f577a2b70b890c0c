"""Celery tasks of orders: thin, each loads ids and calls a service, safe to run twice."""

import logging
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task

from orders.notifications import confirmations_owed, order_send_confirmation
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
