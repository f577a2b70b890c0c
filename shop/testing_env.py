"""pytest plugin loaded before Django (``-p shop.testing_env`` in pytest.ini).

Tests run with development defaults (no HTTPS redirect, no secure-only cookies, plain
static storage); pytest-django still runs them with DEBUG=False. Tasks run in the test's
process after the commit that queued them, as in the embedded default (the Celery
worker's own test turns that off). The catalog cache is off unless a test turns it on:
its copies are replaced on commit, which most tests never reach.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("SHOP_CATALOG_CACHE_SECONDS", "0")
