"""Checkouts per second with N concurrent buyers, beside this machine's ``pgbench -N``.

Usage (PostgreSQL and Redis running locally)::

    .venv/bin/python bench/checkout.py                 # buyers 1, 4, 8; 8 s each
    .venv/bin/python bench/checkout.py --buyers 1 2 4 --seconds 5 --write

What it does, all in one run so the figures are comparable:

1. ``pgbench -i -s 10`` into its own database (``shop_bench_pgbench``), then
   ``pgbench -N -c 4 -j 2 -T 10``: the machine's simple-update TPS, the yardstick.
2. Creates/migrates its own shop database (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/shop_bench_checkout``) and fills 20 products
   with plenty of stock: 10 of one variant, 10 in three sizes (40 variants).
3. For each N: N buyer *processes* (not threads: Python CPU is the limit here, see
   shared/PERFORMANCE.md) each fill a pool of anonymous carts in Redis (3 random lines of
   the 40 variants, so buyers do contend for rows, two sizes of one product among them
   now and then), wait on a barrier, then call
   ``orders.checkout.order_place`` (with an Idempotency-Key) back to back for the given
   seconds. The rate is all checkouts over the wall time; latencies are per call.

Emails go to Django's dummy backend (sending mail is not what is measured); carts live in
Redis (``BENCH_REDIS_URL``, default db 5, keys are unique per cart so nothing is wiped).
``--write`` replaces the "Checkout" section of bench/README.md with the results.
"""

import argparse
import multiprocessing as mp
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ is sys.path[0]; its http.py would shadow the standard library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shop_bench_checkout"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ["DJANGO_DEBUG"] = "false"  # DEBUG would record every query in memory
os.environ["SHOP_ALLOW_TEST_PAYMENTS"] = "true"  # it pays with the test gateway
os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"

PG = {"host": "127.0.0.1", "user": "postgres"}
PGBENCH_DB = "shop_bench_pgbench"
PRODUCTS = 20  # the first half of one variant, the second in SIZES
SIZES = ("S", "M", "L")
STOCK = 10_000_000
LINES_PER_CART = 3
SECTION_START = "<!-- checkout-bench:start -->"
SECTION_END = "<!-- checkout-bench:end -->"


def ensure_database(name: str) -> None:
    exists = subprocess.run(
        ["psql", "-h", PG["host"], "-U", PG["user"], "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(
            ["createdb", "-h", PG["host"], "-U", PG["user"], name], check=True
        )


def run_pgbench(seconds: int = 10) -> float:
    """TPS of ``pgbench -N -c 4`` (simple updates, no branch contention)."""
    ensure_database(PGBENCH_DB)
    subprocess.run(
        ["pgbench", "-h", PG["host"], "-U", PG["user"], "-i", "-s", "10", "-q", PGBENCH_DB],
        check=True, capture_output=True,
    )  # fmt: skip
    out = subprocess.run(
        ["pgbench", "-h", PG["host"], "-U", PG["user"], "-N", "-c", "4", "-j", "2",
         "-T", str(seconds), PGBENCH_DB],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    match = re.search(
        r"tps = ([\d.]+) \((?:without initial connection time|excluding)", out
    )
    if not match:
        raise RuntimeError(f"could not read pgbench output:\n{out}")
    return float(match.group(1))


def setup_shop() -> list[int]:
    """The shop's products (made once, kept between runs) and their stock topped up;
    the ids of their variants."""
    import django

    ensure_database(os.environ["DATABASE_URL"].rsplit("/", 1)[1])
    django.setup()
    from decimal import Decimal

    from django.core.management import call_command

    from accounts.models import User
    from catalog.models import Category, Product, Variant
    from catalog.services import product_create

    call_command("migrate", verbosity=0, interactive=False)
    seller, _ = User.objects.get_or_create(
        email="bench-seller@example.com", defaults={"name": "Bench", "role": "seller"}
    )
    category, _ = Category.objects.get_or_create(
        slug="bench", defaults={"name": "Bench"}
    )
    products = []
    for i in range(PRODUCTS):
        product = Product.objects.filter(slug=f"bench-product-{i}").first()
        if product is None:
            price = Decimal("9.99") + i
            offer = (
                {"price": price, "sku": f"BENCH-{i}"}
                if i < PRODUCTS // 2
                else {
                    "options": [{"name": "Size", "values": list(SIZES)}],
                    "variants": [
                        {"sku": f"BENCH-{i}-{size}", "options": {"Size": size},
                         "price": price + n}
                        for n, size in enumerate(SIZES)
                    ],
                }
            )  # fmt: skip
            product = product_create(
                seller=seller, category=category, name=f"Bench product {i}", **offer
            )
        products.append(product)
    variants = Variant.objects.filter(product__in=products)
    # Fixture data, set directly: the benchmark must never run out of stock.
    variants.update(stock=STOCK)
    ids = list(variants.order_by("pk").values_list("pk", flat=True))
    from django.db import connections

    connections.close_all()
    return ids


def buyer(index, variant_ids, seconds, pool_size, barrier, results) -> None:
    from cart.cart import Cart, new_token
    from cart.store import CartLine, get_store
    from catalog.models import Variant
    from orders.checkout import order_place

    rng = random.Random(index)
    prices = dict(Variant.objects.filter(pk__in=variant_ids).values_list("pk", "price"))
    store = get_store()
    carts = []
    for _ in range(pool_size):
        cart = Cart.for_token(new_token())
        store.touch(cart.id)
        for variant_id in rng.sample(variant_ids, LINES_PER_CART):
            store.add(
                cart.id, CartLine(variant_id, rng.randint(1, 3), prices[variant_id])
            )
        carts.append(cart)

    barrier.wait()
    latencies = []
    started = time.perf_counter()
    deadline = started + seconds
    for n, cart in enumerate(carts):
        t0 = time.perf_counter()
        if t0 >= deadline:
            break
        order_place(
            cart=cart, email=f"buyer{index}@example.com", shipping_name="Bench Buyer",
            shipping_address="1 Bench Road", idempotency_key=f"bench-{index}-{n}",
        )  # fmt: skip
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    for cart in carts[len(latencies) :]:
        store.destroy(cart.id)
    from django.db import connections

    connections.close_all()
    results.put((len(latencies), elapsed, latencies))


def run_level(buyers: int, variant_ids, seconds: float, pool_size: int) -> dict:
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(buyers + 1), ctx.Queue()
    procs = [
        ctx.Process(
            target=buyer, args=(i, variant_ids, seconds, pool_size, barrier, results)
        )
        for i in range(buyers)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    wall_start = time.perf_counter()
    outcomes = [results.get() for _ in procs]
    wall = time.perf_counter() - wall_start
    for proc in procs:
        proc.join()
    latencies = sorted(lat for _, _, lats in outcomes for lat in lats)
    done = sum(count for count, _, _ in outcomes)
    return {
        "buyers": buyers,
        "checkouts": done,
        "per_second": done / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = subprocess.run(
        ["psql", "-h", PG["host"], "-U", PG["user"], "-tAc", "SHOW server_version"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return (
        f"{platform.node()}: {os.cpu_count()} cores ({cpu}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, PostgreSQL {pg}"
    )


def report(rows, tps, seconds) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        SECTION_START,
        "## Checkout",
        "",
        "`bench/checkout.py`: `orders.checkout.order_place` (3-line carts from Redis of 40 hot",
        "variants of 20 products, locked `FOR UPDATE`, stock movements, order + items,",
        f"idempotency key) called back to back by N buyer processes for {seconds:g} s each,",
        "beside `pgbench -N -c 4 -j 2 -T 10` measured in the same run. Re-run:",
        "`.venv/bin/python bench/checkout.py --write`.",
        "",
        f"Measured {when} on {machine()}; load average at the start {LOAD_AT_START}.",
        "The load average says what else ran; compare the ratios within this table, not",
        "absolute numbers across runs.",
        "",
        f"`pgbench -N -c 4`: **{tps:,.0f} TPS**",
        "",
        "| buyers | checkouts | checkouts/s | p50 ms | p95 ms | checkouts/s ÷ pgbench TPS |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['buyers']} | {r['checkouts']} | {r['per_second']:.0f} | {r['p50_ms']:.1f} "
            f"| {r['p95_ms']:.1f} | {r['per_second'] / tps:.3f} |"
        )
    lines += [
        "",
        "A checkout is one transaction of the ORM (docs/architecture.md): the owner's",
        "advisory lock, the key and the cart revision looked up, the variants locked in",
        "key order, the order and its items inserted, the stock and its movements written,",
        "the keys recorded; plus one Redis read and, after commit, one script taking the",
        "ordered lines out of the cart. On 2 cores, buyers beyond the cores add latency,",
        "not throughput.",
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def write_readme(section: str) -> None:
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    if SECTION_START in text and SECTION_END in text:
        before, rest = text.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text)


LOAD_AT_START = "n/a"


def main() -> None:
    global LOAD_AT_START
    LOAD_AT_START = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument(
        "--pool", type=int, default=1500, help="carts prepared per buyer"
    )
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()

    print("pgbench -N -c 4 -T 10 ...", flush=True)
    tps = run_pgbench()
    print(f"  {tps:,.0f} TPS", flush=True)
    variant_ids = setup_shop()
    rows = []
    for n in args.buyers:
        row = run_level(n, variant_ids, args.seconds, args.pool)
        rows.append(row)
        print(
            f"{n} buyers: {row['checkouts']} checkouts, {row['per_second']:.0f}/s, "
            f"p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms",
            flush=True,
        )
    section = report(rows, tps, args.seconds)
    print(section)
    if args.write:
        write_readme(section)


if __name__ == "__main__":
    main()
