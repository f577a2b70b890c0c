"""Cart store benchmark: ops/second of add, set, view and merge next to a raw PING.

    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/cart_store.py [--seconds 2]

Everything runs through the same django-redis client in one process, interleaved in
short slices, so the ratios (operation time / PING round trip) are comparable within a
run; absolute figures are not
comparable across runs or machines. Uses carts named ``bench:*`` and deletes them
afterwards.
"""

import argparse
import os
import platform
import sys
import time
from decimal import Decimal
from pathlib import Path

# The project root instead of bench/ (whose http.py would shadow the standard library's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from cart.store import CartLine, get_store  # noqa: E402
from pricing.lines import PricingLine  # noqa: E402
from pricing.totals import price_lines  # noqa: E402

PRICE = Decimal("19.99")


SLICES = 10  # each round interleaves the operations in this many short slices


def timed(fn, seconds: float, setup=None) -> tuple[int, float]:
    """Calls of ``fn`` for about ``seconds`` and the time they took; ``setup`` (untimed)
    runs before each call."""
    done, spent = 0, 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or done < 50:
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        spent += time.perf_counter() - start
        done += 1
    return done, spent


def view(store, cart_id: str):
    """All lines + totals: one read round trip, parse, price_lines in Decimal."""
    snapshot = store.read(cart_id)
    return price_lines(
        [
            # No catalog here: the variant stands for its product too.
            PricingLine(
                line.variant_id,
                line.unit_price,
                line.quantity,
                variant_id=line.variant_id,
            )
            for line in snapshot.lines
        ],
        tax_rate=settings.SHOP_TAX_RATE,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument(
        "--rounds", type=int, default=3, help="take the median of N rounds"
    )
    args = parser.parse_args()

    store = get_store()
    client = store.client
    view_id, src_id, dst_id, add_id = (
        "bench:view",
        "bench:src",
        "bench:dst",
        "bench:add",
    )
    for variant_id in range(1, 21):
        store.add(view_id, CartLine(variant_id, 2, PRICE))

    def fill_source():
        for variant_id in (1, 2, 3):
            store.add(src_id, CartLine(variant_id, 1, PRICE))

    caps = {1: 1000, 2: 1000, 3: 1000}

    def merge():
        popped = store.pop(src_id)
        store.merge_in(
            dst_id, popped.lines, caps=caps, coupon=None, max_quantity=10**9,
            max_lines=100,
        )  # fmt: skip

    ops = {
        "PING (raw round trip)": (client.ping, None),
        "add (EVALSHA, answers the cart)": (
            lambda: store.add(
                add_id, CartLine(7, 1, PRICE), max_quantity=10**9, max_lines=100
            ),
            None,
        ),
        "set (EVALSHA)": (
            lambda: store.set(add_id, CartLine(7, 3, PRICE), max_lines=100),
            None,
        ),
        "view 20 lines + totals": (lambda: view(store, view_id), None),
        "merge 3 lines (pop + merge_in)": (merge, fill_source),
    }
    results: dict[str, list[float]] = {name: [] for name in ops}
    try:
        for _ in range(args.rounds):
            # Interleaved: every operation runs in each of SLICES short slices, so a change
            # of load from the machine's other work (PERFORMANCE.md) hits all of them alike
            # instead of whichever ran during it; PING is measured in the same slices.
            totals = {name: [0, 0.0] for name in ops}
            for _ in range(SLICES):
                for name, (fn, setup) in ops.items():
                    done, spent = timed(fn, args.seconds / SLICES, setup)
                    totals[name][0] += done
                    totals[name][1] += spent
            for name, (done, spent) in totals.items():
                results[name].append(done / spent)
    finally:
        for key in (view_id, src_id, dst_id, add_id):
            store.destroy(key)

    medians = {
        name: sorted(values)[len(values) // 2] for name, values in results.items()
    }
    ping = medians["PING (raw round trip)"]
    print(
        f"# cart store benchmark, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{platform.node()} ({os.cpu_count()} CPUs), Python {platform.python_version()}, "
        f"redis-py {__import__('redis').__version__}, median of {args.rounds} x "
        f"{args.seconds:g}s"
    )
    print()
    print("| operation | ops/s | µs/op | cost in PING round trips |")
    print("|---|---:|---:|---:|")
    for name, ops_per_second in medians.items():
        print(
            f"| {name} | {ops_per_second:,.0f} | {1e6 / ops_per_second:,.1f} | "
            f"{ping / ops_per_second:.2f} |"
        )


if __name__ == "__main__":
    main()
