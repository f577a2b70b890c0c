"""Work done beside the request that asked for it, in a thread of the same process.

For work whose result the answer does not carry and which may be slow for reasons
outside the shop: sending mail. A mail server that hangs would otherwise hold the request
and its worker for EMAIL_TIMEOUT, and with every worker held the whole shop stops
answering. One thread per process runs the jobs in the order given.

What is queued lives in memory: a worker that stops (a deploy, a recycle, a timeout)
may exit before the thread ran its jobs, and they are lost. So a job must leave a record
that a later run can pick up: an order's confirmation is marked when sent, and the
``send_confirmations`` command sends what was not. A job's error is logged, never raised
to the code that queued it.

``SHOP_BACKGROUND_THREAD=false`` runs each job at once, in the caller (the tests do, so
that what a request did is done when it answers).
"""

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

# Created at import, its thread started at the first job: after gunicorn forks a worker.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shop-background")


def run_beside(job: Callable[..., object], /, **kwargs) -> Future:
    """Run ``job(**kwargs)`` in the background thread (or at once: see the module)."""
    if not settings.SHOP_BACKGROUND_THREAD:
        done: Future = Future()
        done.set_result(_logged(job, kwargs))
        return done
    return _executor.submit(_in_thread, job, kwargs)


def wait_for_background(timeout: float | None = None) -> None:
    """Return once every job queued before this call has run (one thread: in order)."""
    _executor.submit(lambda: None).result(timeout)


def _in_thread(job, kwargs) -> None:
    # A job that uses the database uses this thread's own connection: like a request,
    # each job starts and ends by closing it if it is too old or broken (it may have sat
    # idle since the last job).
    close_old_connections()
    try:
        _logged(job, kwargs)
    finally:
        close_old_connections()


def _logged(job, kwargs) -> None:
    try:
        job(**kwargs)
    except Exception:
        logger.exception("Background job %s failed.", getattr(job, "__qualname__", job))
