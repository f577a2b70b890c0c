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

# Under pytest-xdist (`make test` runs two workers) each worker has its own test database
# (pytest-django suffixes it) and its own Redis database: REDIS_URL's number less the
# worker's index, so one worker's flush never empties the other's carts.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    _base, _, _db = os.environ["REDIS_URL"].rpartition("/")
    if _db.isdigit():
        os.environ["REDIS_URL"] = f"{_base}/{int(_db) - int(_worker[2:])}"
