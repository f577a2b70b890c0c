"""Large product imports as jobs: the file is kept on an :class:`ImportJob` and run
by a task (catalog.tasks.run_import_job) through the same rule as the admin's
(catalog.imports), all or nothing; the job records its progress and errors."""

import csv
import io
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.imports import products_import
from catalog.models import ImportJob

#: How often (in rows) a running job writes its progress.
PROGRESS_EVERY = 100


def import_job_queue(*, user, name: str, data: str) -> ImportJob:
    """A job for a large import, queued for the task once it is saved."""
    from catalog.tasks import run_import_job

    with transaction.atomic():
        job = ImportJob.objects.create(user=user, file_name=name[:255], data=data)
        transaction.on_commit(lambda: run_import_job.delay(job.pk), robust=True)
    return job


def import_job_run(*, job_id: int) -> bool:
    """Run a queued job (claimed first: a second run of the task does nothing); whether
    this call ran it."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, heartbeat_at=timezone.now()
    ):
        return False
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    reader = csv.reader(io.StringIO(job.data))
    headers = [h.strip() for h in next(reader, [])]
    rows = [dict(zip(headers, row, strict=False)) for row in reader]
    ImportJob.objects.filter(pk=job_id).update(total_rows=len(rows))

    written = 0

    def progress(done: int) -> None:
        nonlocal written
        if done - written >= PROGRESS_EVERY:
            ImportJob.objects.filter(pk=job_id).update(
                processed_rows=done, heartbeat_at=timezone.now()
            )
            written = done

    try:
        report = products_import(
            headers=headers, rows=rows, user=job.user, dry_run=False, progress=progress
        )
    except Exception as exc:  # noqa: BLE001 - recorded on the job, then raised
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            errors=[{"row": None, "errors": {"file": [str(exc)]}}],
            finished_at=timezone.now(),
        )
        raise
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE if report.written else ImportJob.Status.FAILED,
        processed_rows=len(rows),
        totals=report.totals,
        errors=report.error_list(),
        finished_at=timezone.now(),
    )
    return True


#: What a stalled job's page says.
STALLED = (
    "The import stopped before it finished (its worker ended); nothing was written. "
    "Upload the file again."
)


def import_jobs_stalled(*, now=None) -> int:
    """Give up running jobs silent for SHOP_IMPORT_STALL_MINUTES: their worker died
    (an import is one transaction, so nothing of it was written) and the job would show
    "running" for ever. How many were given up."""
    now = now or timezone.now()
    silent_since = now - timedelta(minutes=settings.SHOP_IMPORT_STALL_MINUTES)
    return ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, heartbeat_at__lt=silent_since
    ).update(
        status=ImportJob.Status.FAILED,
        errors=[{"row": None, "errors": {"file": [STALLED]}}],
        finished_at=now,
    )
