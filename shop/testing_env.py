"""pytest plugin loaded before Django (``-p shop.testing_env`` in pytest.ini).

Tests run with development defaults (no HTTPS redirect, no secure-only cookies, plain
static storage); pytest-django still runs them with DEBUG=False. Work the shop does
beside a request (shop/background.py: mail) is done within it, so that it is done when
the request answers; the tests of that thread turn it on.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("SHOP_BACKGROUND_THREAD", "false")
