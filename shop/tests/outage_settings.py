"""Production settings for the database-outage server of ``test_outages.py``.

Everything comes from ``shop.settings`` with DJANGO_DEBUG=false; only the static files
storage is the plain one, so that the test needs no ``collectstatic`` run first.
"""

from shop.settings import *  # noqa: F403
from shop.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
