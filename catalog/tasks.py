"""Celery tasks of the catalog: thin, each calls a service, safe to run twice."""

import logging
from smtplib import SMTPException

from celery import shared_task

from catalog.alerts import low_stock_digest_send
from catalog.import_jobs import import_job_run, import_jobs_stalled
from catalog.restock import back_in_stock_send

logger = logging.getLogger(__name__)

#: The first retry's delay; each next one waits twice as long.
RETRY_BACKOFF = 30


def _retrying(task) -> tuple[bool, int]:
    retrying = not task.request.is_eager and task.request.retries < task.max_retries
    return retrying, (RETRY_BACKOFF * 2**task.request.retries if retrying else 0)


@shared_task(bind=True, max_retries=6)
def send_back_in_stock(self, variant_id: int) -> int:
    """A round of back-in-stock mail for a restocked variant; SMTP errors retry."""
    try:
        return back_in_stock_send(variant_id=variant_id)
    except (SMTPException, OSError) as exc:
        retrying, countdown = _retrying(self)
        if not retrying:
            logger.warning("Back-in-stock mail of %s failed: %r", variant_id, exc)
            return 0
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task(bind=True, max_retries=6)
def send_low_stock_digest(self) -> int:
    """The staff's daily digest of low and sold-out variants (periodic, beat)."""
    try:
        return low_stock_digest_send()
    except (SMTPException, OSError) as exc:
        retrying, countdown = _retrying(self)
        if not retrying:
            logger.warning("The low-stock digest failed: %r", exc)
            return 0
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task
def run_import_job(job_id: int) -> bool:
    """Run a large product import (catalog.import_jobs)."""
    return import_job_run(job_id=job_id)


@shared_task
def give_up_stalled_imports() -> int:
    """Mark failed the import jobs whose worker died mid-run (periodic, beat)."""
    return import_jobs_stalled()
