"""A gunicorn config for ``bench/http.py --ablate``: switches parts of checkout OFF.

Never for production. It answers one question with numbers: how far would checkout get
if it did less? Each word of ``BENCH_ABLATE`` (comma-separated) removes one part, in every
worker, after the app is loaded:

- ``mail``: no order confirmation is rendered or sent (bench/http.py starts no
  ``send_confirmations --watch``; this config stops a checkout's own thread, for a
  server run without SHOP_MAIL_WORKER);
- ``lock``: no owner lock (neither the session lock nor the transaction-level one), so
  a double submit could order a cart twice;
- ``throttle``: the checkout throttle is not checked (one Redis round trip).

(A checkout replaces the catalog cache's token in its cart's take, in the same round
trip: there is no part of its own left to switch off.)
"""

import contextlib
import os

PARTS = {"mail", "lock", "throttle"}


def post_worker_init(worker):
    parts = {p.strip() for p in os.environ.get("BENCH_ABLATE", "").split(",") if p}
    unknown = parts - PARTS
    if unknown:
        raise SystemExit(f"BENCH_ABLATE: unknown parts {sorted(unknown)}")
    from orders import services as order_services
    from orders.api.views import OrderViewSet

    if "mail" in parts:
        order_services._send_owed_confirmations = lambda *args, **kwargs: (
            order_services.Delivery(0, 0)
        )
    if "lock" in parts:

        @contextlib.contextmanager
        def no_lock(owner):
            yield True  # "already locked": _place takes no lock of its own either

        order_services._checkout_session_lock = no_lock
    if "throttle" in parts:
        OrderViewSet.get_throttles = lambda self: []
