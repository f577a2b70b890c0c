"""pytest plugin loaded before Django (``-p shop.testing_env`` in pytest.ini).

Tests run with development defaults (no HTTPS redirect, no secure-only cookies, plain
static storage); pytest-django still runs them with DEBUG=False.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
