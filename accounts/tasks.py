"""Celery tasks of accounts: thin, each loads a user id and calls accounts.mail."""

import logging
from smtplib import SMTPException

from celery import shared_task

from accounts.mail import user_send_email_verification, user_send_password_reset

logger = logging.getLogger(__name__)

#: The first retry's delay; each next one waits twice as long (30 s, 1, 2, 4 ... min).
RETRY_BACKOFF = 30


def _send(task, send, user_id: int) -> bool:
    # Run in the web process (no broker), or once the retries are spent, a failure is
    # logged, not retried there and then: the user can ask again.
    retrying = not task.request.is_eager and task.request.retries < task.max_retries
    try:
        return send(user_id=user_id)
    except (SMTPException, OSError) as exc:
        if not retrying:
            logger.warning("%s for user %s failed: %r", task.name, user_id, exc)
            return False
        countdown = RETRY_BACKOFF * 2**task.request.retries
        raise task.retry(exc=exc, countdown=countdown) from None


@shared_task(bind=True, max_retries=5)
def send_password_reset(self, user_id: int) -> bool:
    """Mail a password-reset link (a fresh token, made now)."""
    return _send(self, user_send_password_reset, user_id)


@shared_task(bind=True, max_retries=5)
def send_email_verification(self, user_id: int) -> bool:
    """Mail an email-verification link (a fresh token, made now)."""
    return _send(self, user_send_email_verification, user_id)
