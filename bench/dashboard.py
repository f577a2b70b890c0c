"""The admin's dashboard with a million orders: is the index under 500 ms?

    .venv/bin/python bench/dashboard.py [--orders 1000000] [--requests 20] [--fresh]

Creates ``shop_bench_dashboard`` (kept for later runs; ``--fresh`` drops it), migrates,
seeds the demo catalog and then N paid orders of one item each, in time order over the
last two years, written in bulk by ``INSERT ... SELECT generate_series`` (what takes a minute
that the ORM would take an hour for). It runs ``manage.py rebuild_sales --days 30``
(what beat keeps up to date) and times the admin index as a staff user through Django's
test client on the production settings: p50 and p90 of ``--requests``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path[0] = str(
    BASE_DIR
)  # the project, not bench/ (whose http.py shadows the stdlib)
DB = "shop_bench_dashboard"

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DJANGO_DEBUG": "false",
        "SHOP_ALLOW_TEST_PAYMENTS": "true",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "REDIS_URL": "",
        "DJANGO_LOG_LEVEL": "ERROR",
    }
)

# Orders arrive in time order (ids and paid_at rise together, as in a real shop), over
# the last DAYS_OF_ORDERS days: a million orders over two years is about 1,400 a day.
DAYS_OF_ORDERS = 730
ORDERS_SQL = """
INSERT INTO orders_order (number, access_token, email, status, currency, subtotal,
    discount, coupon_code, shipping, shipping_method, shipping_tax, tax_rate, tax, total,
    refunded_total, shipping_name, shipping_address, shipping_country, carrier,
    tracking_number, payment_reference, created_at, updated_at, paid_at)
SELECT 'B' || lpad(n::text, 11, '0'), md5(n::text), 'buyer' || (n %% 5000) || '@bench.test',
    'paid', 'USD', 20.00, 0, '', 0, '', 0, 0, 0, 20.00, 0, 'Bench', 'Loop', '', '', '', '',
    at, at, at
FROM generate_series(1, %s) AS n,
    LATERAL (SELECT now() - %s * interval '1 day' * (1 - n::float / %s) AS at) AS t
"""
ITEMS_SQL = """
INSERT INTO orders_orderitem (order_id, product_id, variant_id, product_name, sku,
    options, unit_price, quantity, line_total, discount, tax)
SELECT o.id, v.product_id, v.id, p.name, v.sku, '{}', 10.00, 2, 20.00, 0, 0
FROM orders_order o
JOIN catalog_variant v ON v.id = (SELECT min(id) FROM catalog_variant) + o.id %% 40
JOIN catalog_product p ON p.id = v.product_id
WHERE o.number LIKE 'B%%'
"""


def manage(*args: str, **kwargs) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True, **kwargs
    )


def prepare(orders: int, days: int, fresh: bool) -> None:
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qAt"]
    if fresh:
        subprocess.run(
            [*psql, "-c", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True
        )
    subprocess.run([*psql, "-c", f"CREATE DATABASE {DB}"], capture_output=True)
    manage("migrate", "-v0")
    manage(
        "collectstatic", "--noinput", "-v0"
    )  # the manifest the production settings read
    import django

    django.setup()
    from django.db import connection

    from orders.models import Order

    have = Order.objects.filter(number__startswith="B").count()
    if have < orders:
        manage("seed_demo", "--no-images", stdout=subprocess.DEVNULL)
        start = time.perf_counter()
        with connection.cursor() as cursor:
            bench = "SELECT id FROM orders_order WHERE number LIKE 'B%%'"
            cursor.execute(
                f"DELETE FROM orders_orderitem WHERE order_id IN ({bench})", []
            )
            cursor.execute("DELETE FROM orders_order WHERE number LIKE 'B%%'", [])
            cursor.execute(ORDERS_SQL, [orders, days, orders])
            cursor.execute(ITEMS_SQL, [])
            cursor.execute("VACUUM ANALYZE orders_order")
            cursor.execute("VACUUM ANALYZE orders_orderitem")
        print(
            f"{orders:,} orders written in {time.perf_counter() - start:.0f}s",
            flush=True,
        )
    start = time.perf_counter()
    manage("rebuild_sales", "--days", "30")
    print(f"rebuild_sales --days 30: {time.perf_counter() - start:.1f}s", flush=True)


def measure(requests: int) -> tuple[float, float]:
    from django.test import Client

    from accounts.models import User

    staff = User.objects.filter(is_staff=True).first() or User.objects.create_superuser(
        email="bench-staff@bench.test", password="bench-pass-123", name="Bench"
    )
    client = Client()
    client.force_login(staff)
    for _ in range(3):
        assert client.get("/admin/").status_code == 200
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get("/admin/")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--days", type=int, default=DAYS_OF_ORDERS, help="the span the orders cover"
    )
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    prepare(args.orders, args.days, args.fresh)
    p50, p90 = measure(args.requests)
    print(
        f"admin index with {args.orders:,} orders: p50 {p50:.1f} ms, p90 {p90:.1f} ms"
    )


if __name__ == "__main__":
    main()
