"""Catalog scale: product list, category, price and option filters and search at 10k-1M
products.

    .venv/bin/python bench/catalog_scale.py [--sizes 10000,100000,1000000] [--requests 60]

For each size N it tops the catalog up to N bulk products with ``manage.py seed_demo
--products N`` (bulk inserts: one variant each, every tenth product in three sizes S, M,
L, which the option filter ``option=Size:M`` asks for), runs ``VACUUM ANALYZE`` and then
times
requests through the real API view in process: Django's test ``Client`` against the
production settings (DEBUG off) on PostgreSQL, so URL routing, middleware, DRF, the
filters, pagination and JSON rendering are all in the time, but no HTTP server or
network is. Each case gets a few warm-up requests, then p50 and p90 of ``--requests``.

Each size has its own database ``shop_bench_scale_<N>`` (``--fresh`` drops them first);
the seeded rows are kept, so a later run reuses them and only measures. A database
seeded before products had sizes has none to filter by: the run says so (use ``--fresh``).
Target (issue 7): p50 at 1M within 2x of 10k for every case.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

# The project root instead of bench/ (whose http.py would shadow the standard library's).
BASE_DIR = Path(__file__).resolve().parent.parent
sys.path[0] = str(BASE_DIR)
DB_PREFIX = "shop_bench_scale_"

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DJANGO_DEBUG": "false",
        "SHOP_ALLOW_TEST_PAYMENTS": "true",  # production settings refuse test payments
        "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "REDIS_URL": "",
        # What the queries cost at each size: never a cached copy (catalog.cache).
        "SHOP_CATALOG_CACHE_SECONDS": "0",
        "DJANGO_LOG_LEVEL": "ERROR",
    }
)

CASES = [
    ("list, first page (20)", {}),
    ("category filter (Kitchen + 2 sub-categories)", {"category": "kitchen"}),
    ("price filter 10.00-20.00", {"min_price": "10.00", "max_price": "20.00"}),
    ("option filter Size:M (1 product in 10 in sizes)", {"option": "Size:M"}),
    ("search, 1 word ('lamp')", {"search": "lamp"}),
    ("search, 2 words ('walnut lamp')", {"search": "walnut lamp"}),
    ("search, prefix ('lan' → lantern)", {"search": "lan"}),
    ("search, no match ('qzx')", {"search": "qzx"}),
]


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
        check=True, capture_output=True, text=True,
    )  # fmt: skip


def database_url(n: int) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{DB_PREFIX}{n}"


def prepare(n: int, *, fresh: bool) -> float:
    """Create, migrate and seed the database of size ``n``; seconds spent seeding."""
    if fresh:
        psql(f"DROP DATABASE IF EXISTS {DB_PREFIX}{n} WITH (FORCE)")
    try:
        psql(f"CREATE DATABASE {DB_PREFIX}{n}")
    except subprocess.CalledProcessError:
        pass  # it exists: reuse what an earlier run seeded
    env = {**os.environ, "DATABASE_URL": database_url(n)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--no-images", "--products", str(n)],
        cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    took = time.perf_counter() - start
    sized = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", f"{DB_PREFIX}{n}", "-Atc",
         "SELECT count(*) FROM catalog_productoption o JOIN catalog_product p"
         " ON p.id = o.product_id WHERE p.slug LIKE 'bulk-%'"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    if int(sized or 0) == 0:
        print(
            f"{DB_PREFIX}{n}: no bulk product in sizes (seeded by an older seed_demo); "
            "the option filter finds only the demo's. Run with --fresh.",
            flush=True,
        )
    return took


def measure(requests: int) -> dict[str, tuple[float, float, int]]:
    from django.db import connection
    from django.test import Client

    from catalog.models import Product

    with connection.cursor() as cursor:
        for table in ("catalog_product", "catalog_variant", "catalog_productoption"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    client = Client()
    results = {}
    for name, params in CASES:
        for _ in range(5):
            client.get("/api/v1/products/", params)
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get("/api/v1/products/", params)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.content[:300]
        count = response.json()["count"]
        times.sort()
        results[name] = (
            statistics.median(times),
            times[int(len(times) * 0.9) - 1],
            count,
        )
    results["_total"] = (0, 0, Product.objects.count())
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--fresh", action="store_true", help="drop the databases first")
    parser.add_argument(
        "--seed-only", action="store_true", help="prepare, do not measure"
    )
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args()

    if args.measure:
        os.environ["DATABASE_URL"] = database_url(args.measure)
        import django

        django.setup()
        print(json.dumps(measure(args.requests)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    table = {}
    for n in sizes:
        took = prepare(n, fresh=args.fresh)
        print(
            f"{DB_PREFIX}{n}: seeded up to {n:,} bulk products in {took:.0f}s",
            flush=True,
        )
        if args.seed_only:
            continue
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(n), "--requests", str(args.requests)],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        table[n] = json.loads(out.strip().splitlines()[-1])
        for name, (p50, p90, count) in table[n].items():
            if not name.startswith("_"):
                print(
                    f"  {name:48s} p50 {p50:7.2f} ms  p90 {p90:7.2f} ms  count {count:,}"
                )
    if args.seed_only:
        return

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nMeasured {when} on {platform.node()}: {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, PostgreSQL {pg}; load average at the end {load}; "
        f"median (p50) and p90 of {args.requests} requests, ms.\n"
    )
    head = " | ".join(f"{n:,}: p50 / p90" for n in sizes)
    print(f"| case | {head} | p50 {sizes[-1]:,} ÷ p50 {sizes[0]:,} |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for name, _ in CASES:
        cells = " | ".join(
            f"{table[n][name][0]:.1f} / {table[n][name][1]:.1f}" for n in sizes
        )
        ratio = table[sizes[-1]][name][0] / table[sizes[0]][name][0]
        print(f"| {name} | {cells} | {ratio:.2f} |")
    counts = " | ".join(f"{table[n]['_total'][2]:,} rows" for n in sizes)
    print(f"| (products in the table) | {counts} | |")


if __name__ == "__main__":
    main()
