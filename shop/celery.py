"""The Celery app: ``celery -A shop worker`` sends mail and runs the sweeps, ``celery -A
shop beat`` schedules the sweeps (settings ``CELERY_*``, docs/operations.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
