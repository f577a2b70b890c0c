"""HTTP benchmark: gunicorn with production settings against PostgreSQL and Redis.

Measures requests/second and p50/p99 latency with wrk for the hot endpoints and, in the
same run, the same server's ceiling (a DRF view returning constant JSON), then reports
every endpoint as a share of that ceiling. The ceiling is measured again right before
every endpoint run and each share is taken against those adjacent ceiling runs, so that
load drifting on a shared machine does not favour or penalise one endpoint. Around
every run it also reads from /proc the CPU time the server, PostgreSQL and Redis spent,
and reports each endpoint's CPU milliseconds per request: where a request's cost goes.
With ``--scale-out`` it also starts a second gunicorn on another port and shows that both
share carts and stock.

    .venv/bin/python bench/http.py [--duration 10] [--runs 3] [--workers 2] [--scale-out]

Needs: wrk (apt-get install wrk), PostgreSQL and Redis on 127.0.0.1. It creates and
drops the database ``shop_bench`` and uses Redis database 9 (flushed).
"""

from __future__ import annotations

import os
import sys

# This file is named for what it measures, but run as a script its folder comes first on
# sys.path, where it would shadow the standard library's ``http`` package: drop the folder.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse
import json
import platform
import re
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable
DB_NAME = "shop_bench"
PG = "postgres://postgres@127.0.0.1:5432"

ENV = {
    "DJANGO_DEBUG": "false",
    # The benchmark pays with the test gateway, which production settings refuse.
    "SHOP_ALLOW_TEST_PAYMENTS": "true",
    "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    # Production settings, but plain HTTP on loopback: no TLS terminator in front.
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "DJANGO_LOG_LEVEL": "ERROR",
    # Order confirmations are sent by a Celery worker, as in production (its CPU is
    # measured too), to Django's dummy backend.
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    # Benchmarks measure the code, not the abuse limits.
    "SHOP_THROTTLE_AUTH": "1000000/min",
    "SHOP_THROTTLE_CART_WRITE": "1000000/min",
    "SHOP_THROTTLE_CHECKOUT": "1000000/min",
    "SHOP_JWT_ACCESS_MINUTES": "600",
    "CART_MAX_LINES": "1000",
    "CART_MAX_LINE_QUANTITY": "100000",
}

SETUP_SCRIPT = r"""
import json, sys
from decimal import Decimal
import django
django.setup()
from django.contrib.auth import get_user_model
from catalog.models import Category
from catalog.services import product_create
from cart.cart import new_token
from cart.store import CartLine, get_store
from rest_framework_simplejwt.tokens import RefreshToken

n_checkout_carts = int(sys.argv[1])
User = get_user_model()
seller = User.objects.create_user(
    email="seller@bench.test", password="x-Bench-1234", role="seller", name="Seller")
buyer = User.objects.create_user(email="buyer@bench.test", password="x-Bench-1234", name="Buyer")
cat = Category.objects.create(name="Bench", slug="bench")
STOCK = 1_000_000
# 200 products of one variant each and, after every tenth, one in 3 sizes x 2 colours
# (6 variants): a page of the list shows both kinds.
def tee(i):
    return product_create(
        seller=seller, category=cat, name=f"Bench tee {i}",
        description="A product with variants for benchmarks " * 3,
        options=[{"name": "Size", "values": ["S", "M", "L"]},
                 {"name": "Colour", "values": ["Red", "Blue"]}],
        variants=[
            {"sku": f"BENCH-TEE-{i}-{size}-{colour}", "options": {"Size": size, "Colour": colour},
             "price": Decimal("19.00") + i + (2 if size == "L" else 0), "stock": STOCK}
            for size in "SML" for colour in ("Red", "Blue")
        ])

plain, sized = [], []
for i in range(200):
    plain.append(product_create(
        seller=seller, category=cat, name=f"Bench product {i}",
        description="A product for benchmarks " * 4, price=Decimal("9.99") + i,
        stock=STOCK, sku=f"BENCH-{i}"))
    if i % 10 == 9:
        sized.append(tee(i // 10))
variants = [p.variants.get() for p in plain]
tee_variants = [v for p in sized for v in p.variants.order_by("id")]
store = get_store()

def new_cart(lines):
    token = new_token()  # the format cart_for_token accepts
    for v, q in lines:
        store.add(f"anon:{token}", CartLine(v.pk, q, v.price))
    return token

# 10 lines: 5 plain products, 5 variants of the tees (two of one tee).
view_cart = new_cart([(v, 1) for v in variants[:5] + tee_variants[:10:2]])
add_carts = [new_cart([(tee_variants[0], 1)]) for _ in range(64)]
# 3 lines each: two plain products and one tee variant, spread over the catalog.
checkout_carts = [
    new_cart([(variants[i % 200], 1), (variants[(i + 1) % 200], 1),
              (tee_variants[i % len(tee_variants)], 1)])
    for i in range(n_checkout_carts)
]
print(json.dumps({
    "product_ids": [p.pk for p in plain],
    "variant_ids": [v.pk for v in variants],
    "sized_product_ids": [p.pk for p in sized],
    "tee_variant_ids": [v.pk for v in tee_variants],
    "access": str(RefreshToken.for_user(buyer).access_token),
    "view_cart": view_cart, "add_carts": add_carts, "checkout_carts": checkout_carts,
}))
"""


def run(cmd, env=None, check=True, capture=True, **kw):
    return subprocess.run(
        cmd,
        env={**os.environ, **ENV, **(env or {})},
        cwd=BASE_DIR,
        check=check,
        capture_output=capture,
        text=True,
        **kw,
    )


def psql(sql, db="postgres"):
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qc", sql],
        check=True,
        capture_output=True,
        text=True,
    )


def prepare(n_checkout_carts: int) -> dict:
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    subprocess.run(["redis-cli", "-n", "9", "flushdb"], check=True, capture_output=True)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"])
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"])
    out = run(
        [PY, "-c", SETUP_SCRIPT, str(n_checkout_carts)],
        env={"DJANGO_SETTINGS_MODULE": "shop.settings"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_gunicorn(port: int, workers: int, extra_env=None) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "shop.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        env={**os.environ, **ENV, **(extra_env or {})},
        cwd=BASE_DIR,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            # Workers booting on a busy machine can accept and then answer late: any
            # OSError (refused, reset, timed out) means "not yet".
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"gunicorn did not start on port {port}")


def start_celery_worker() -> subprocess.Popen:
    """The production mail sender: one Celery worker process (``celery -A shop worker``)."""
    return subprocess.Popen(
        [
            PY,
            "-m",
            "celery",
            "-A",
            "shop",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
        ],
        env={**os.environ, **ENV},
        cwd=BASE_DIR,
        start_new_session=True,  # leads its own process group: its CPU is its own
        stdout=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def lua_script(
    method="GET",
    body=None,
    headers=None,
    rotate_header=None,
    rotate_values=None,
    rotate_body=None,
) -> str:
    """A wrk script: fixed or rotating header/body values, one per request."""
    lines = [
        f'wrk.method = "{method}"',
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    for key, value in (headers or {}).items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
    if rotate_values:
        values = ", ".join(json.dumps(v) for v in rotate_values)
        # Each wrk thread walks its own residue class, so no two connections ever
        # share a cart (a checkout empties the cart it used).
        lines += [
            f"local values = {{{values}}}",
            "local threads, step, i = 0, 2, 0",
            "function setup(thread) thread:set('tid', threads); threads = threads + 1 end",
            "function init(args) i = (tid or 0) + 1 - step end",
            "request = function()",
            "  i = i + step",
            "  if i > #values then i = ((tid or 0) % step) + 1 end",
            f'  wrk.headers["{rotate_header}"] = values[i]',
        ]
        if rotate_body:
            lines.append(f"  wrk.body = {rotate_body}")
        lines += ["  return wrk.format()", "end"]
    return "\n".join(lines) + "\n"


# wrk prints "     50%    1.23ms" (wrk2: "50.000%"); accept both.
LATENCY_RE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def wrk(url: str, script: str, duration: int, threads=2, connections=16) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--latency",
                "-s",
                fh.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(fh.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    lat = {}
    for pct, value, unit in LATENCY_RE.findall(out):
        lat[pct] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50": lat.get("50"),
        "p99": lat.get("99"),
        "errors": int(errors.group(1)) if errors else 0,
        "requests": requests,
    }


CPU_PARTS = ("app", "worker", "postgres", "redis")
WORKER_GROUP = None  # the process group of the Celery worker


def cpu_ticks(server_group: int) -> dict[str, int]:
    """CPU time (user + system, in clock ticks) of the measured server's processes, of
    the Celery worker's, of PostgreSQL's and of Redis's, read from /proc. wrk, the load,
    is left out."""
    ticks = dict.fromkeys(CPU_PARTS, 0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == server_group:  # the process group gunicorn leads
            part = "app"
        elif int(fields[2]) == WORKER_GROUP:
            part = "worker"
        elif name.startswith("postgres"):
            part = "postgres"
        elif name.startswith("redis"):
            part = "redis"
        else:
            continue
        ticks[part] += int(fields[11]) + int(fields[12])
    return ticks


def measured(url: str, script: str, duration: int, server_group: int) -> dict:
    """wrk's figures, plus the CPU milliseconds each request cost the server, the
    database and Redis: the machine is shared, and what a request costs in CPU drifts
    far less with its neighbours' load than how many requests fit in a second."""
    before = cpu_ticks(server_group)
    result = wrk(url, script, duration)
    after = cpu_ticks(server_group)
    ms_per_tick = 1000 / os.sysconf("SC_CLK_TCK")
    for part in CPU_PARTS:
        result[f"cpu_{part}"] = (
            (after[part] - before[part]) * ms_per_tick / max(result["requests"], 1)
        )
    result["cpu"] = sum(result[f"cpu_{part}"] for part in CPU_PARTS)
    return result


def median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def _chunks(values: list, n: int) -> list[list]:
    size = len(values) // n
    return [values[k * size : (k + 1) * size] for k in range(n)]


def benchmark(args, data: dict, server_group: int) -> list[tuple[str, dict]]:
    base = f"http://127.0.0.1:{args.port}/api/v1"
    uncached = f"http://127.0.0.1:{args.port + 2}/api/v1"
    pid = data["sized_product_ids"][0]  # a product of 6 variants
    vid = data["tee_variant_ids"][0]
    cases = [
        ("ceiling: DRF constant JSON", f"{base}/ping/", lua_script()),
        ("product list (page of 20)", f"{base}/products/?page_size=20", lua_script()),
        ("product detail (6 variants)", f"{base}/products/{pid}/", lua_script()),
        # The same two reads on a twin server without the catalog cache: what a read
        # costs when its copy is not there (after a catalog write, a new URL).
        (
            "product list, catalog cache off",
            f"{uncached}/products/?page_size=20",
            lua_script(),
        ),
        (
            "product detail (6 variants), catalog cache off",
            f"{uncached}/products/{pid}/",
            lua_script(),
        ),
        (
            "add to cart",
            f"{base}/cart/items/",
            lua_script(
                "POST",
                body={"variant_id": vid, "quantity": 1},
                rotate_header="X-Cart-Token",
                rotate_values=data["add_carts"],
            ),
        ),
        (
            "view cart (10 lines)",
            f"{base}/cart/",
            lua_script(headers={"X-Cart-Token": data["view_cart"]}),
        ),
        # A checkout empties its cart: each run gets carts of its own (a run that started
        # over at the first cart would answer 404s for carts already checked out).
        (
            "checkout",
            f"{base}/orders/",
            [
                lua_script(
                    "POST",
                    body={
                        "email": "guest@bench.test",
                        "shipping_name": "Bench Guest",
                        "shipping_address": "1 Loop Road",
                    },
                    rotate_header="X-Cart-Token",
                    rotate_values=carts,
                )
                for carts in _chunks(data["checkout_carts"], args.runs)
            ],
        ),
    ]
    # The machine is shared and its load drifts within a run: the ceiling is measured
    # again right before every endpoint run, and each endpoint's share is taken against
    # the median of its own adjacent ceiling runs (the ceiling row: all of them).
    (ceiling_name, ceiling_url, ceiling_script), endpoints = cases[0], cases[1:]
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        endpoints = [e for e in endpoints if any(w in e[0] for w in words)]
    ceilings: list[dict] = []
    results = []
    for name, url, script in endpoints:
        scripts = script if isinstance(script, list) else [script] * args.runs
        runs, adjacent = [], []
        for k in range(args.runs):
            adjacent.append(
                measured(ceiling_url, ceiling_script, args.duration, server_group)
            )
            # The twin server (cache off) leads a process group of its own.
            group = server_group if url.startswith(base) else args.twin_group
            runs.append(measured(url, scripts[k], args.duration, group))
        ceilings += adjacent
        result = median_of(runs)
        result["ceiling"] = statistics.median(r["rps"] for r in adjacent)
        result["ceiling_cpu"] = statistics.median(r["cpu"] for r in adjacent)
        results.append((name, result))
        print(f"  {name:32s} {result}", flush=True)
    ceiling = median_of(ceilings)
    ceiling["ceiling"] = ceiling["rps"]
    ceiling["ceiling_cpu"] = ceiling["cpu"]
    return [(ceiling_name, ceiling), *results]


def scale_out(args, data: dict) -> list[str]:
    """Two instances on two ports share carts (Redis) and stock (PostgreSQL)."""
    port_b = args.port + 1
    second = start_gunicorn(port_b, workers=1)
    notes = []
    try:

        def call(port, method, path, body=None, headers=None):
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1{path}",
                method=method,
                data=json.dumps(body).encode() if body is not None else None,
                headers={"Content-Type": "application/json", **(headers or {})},
            )
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    return resp.status, json.loads(resp.read() or b"null")
            except urllib.error.HTTPError as err:
                return err.code, json.loads(err.read() or b"null")

        # A variant of a product of several: the stock compared is that variant's.
        pid, vid = data["sized_product_ids"][-1], data["tee_variant_ids"][-1]

        def stock(product):
            return next(v["stock"] for v in product["variants"] if v["id"] == vid)

        status, created = call(args.port, "POST", "/carts/")
        token = created["token"]
        call(
            args.port,
            "POST",
            "/cart/items/",
            {"variant_id": vid, "quantity": 3},
            {"X-Cart-Token": token},
        )
        status, cart = call(port_b, "GET", "/cart/", headers={"X-Cart-Token": token})
        notes.append(
            f"scale-out: cart filled through :{args.port}, read through :{port_b}: "
            f"HTTP {status}, quantity {cart['quantity']}"
        )
        _, before = call(args.port, "GET", f"/products/{pid}/")
        body = {
            "email": "scale@bench.test",
            "shipping_name": "Scale",
            "shipping_address": "Loop",
        }
        s1, _ = call(port_b, "POST", "/orders/", body, {"X-Cart-Token": token})
        status, created = call(port_b, "POST", "/carts/")
        token2 = created["token"]
        call(
            port_b,
            "POST",
            "/cart/items/",
            {"variant_id": vid, "quantity": 2},
            {"X-Cart-Token": token2},
        )
        s2, _ = call(args.port, "POST", "/orders/", body, {"X-Cart-Token": token2})
        _, after_a = call(args.port, "GET", f"/products/{pid}/")
        _, after_b = call(port_b, "GET", f"/products/{pid}/")
        notes.append(
            f"scale-out: checkout of 3 through :{port_b} (HTTP {s1}) and of 2 through :{args.port} "
            f"(HTTP {s2}): the variant's stock {stock(before)} → {stock(after_a)} on "
            f":{args.port}, {stock(after_b)} on :{port_b}"
        )
        assert (
            cart["quantity"] == 3
            and stock(after_a) == stock(after_b) == stock(before) - 5
        )
    finally:
        stop(second)
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scale-out", action="store_true")
    parser.add_argument(
        "--mail-server",
        default="",
        help="a DJANGO_EMAIL_URL (e.g. smtp://127.0.0.1:8025, a local sink) for the "
        "confirmations in place of Django's dummy backend, which builds each message "
        "but neither serializes nor sends it",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated words: run only the endpoints whose name holds one",
    )
    args = parser.parse_args()
    if args.mail_server:
        ENV["DJANGO_EMAIL_URL"] = args.mail_server

    print("preparing database, data and carts ...", flush=True)
    data = prepare(n_checkout_carts=700 * args.duration * args.runs)
    server = start_gunicorn(args.port, args.workers)
    # Idle (asleep in accept) except while its own rows run.
    twin = start_gunicorn(
        args.port + 2, args.workers, {"SHOP_CATALOG_CACHE_SECONDS": "0"}
    )
    mailer = start_celery_worker()
    global WORKER_GROUP
    WORKER_GROUP = mailer.pid
    try:
        # One request per worker process first, so imports are not timed.
        for port in (args.port, args.port + 2):
            for _ in range(args.workers * 2):
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/products/", timeout=30
                )
        args.twin_group = twin.pid  # start_new_session: each leads its own group
        results = benchmark(args, data, server.pid)
        notes = scale_out(args, data) if args.scale_out else []
        time.sleep(2)
        owed = run(
            [PY, "manage.py", "shell", "-v0", "-c",
             "from orders.models import Order; "
             "print(Order.objects.filter(confirmation_sent_at=None).count())"],
        ).stdout.strip()  # fmt: skip
        notes.append(f"confirmations still owed 2 s after the last run: {owed}")
    finally:
        stop(mailer)
        stop(twin)
        stop(server)

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"\n### HTTP ({when}, {platform.node()}, {os.cpu_count()} cores, gunicorn "
        f"{args.workers} sync workers, wrk -t2 -c16 -d{args.duration}s, median of {args.runs}"
        + (f"; mail to {args.mail_server}" if args.mail_server else "")
        + ")\n"
    )
    print(
        "| endpoint | req/s | p50 ms | p99 ms | adjacent ceiling req/s | share of ceiling "
        "| non-2xx |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in results:
        print(
            f"| {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
            f"{r['ceiling']:.0f} | {r['rps'] / r['ceiling']:.2f} | {r['errors']:.0f} |"
        )
    print(
        "\nCPU per request (ms; user + system, read from /proc around each run; wrk not "
        "counted). CPU share: the adjacent ceiling's CPU per request over the endpoint's; "
        "it follows the share of ceiling while the machine is the limit, and drifts "
        "less with what else the machine runs.\n"
    )
    print("| endpoint | app | Celery worker | PostgreSQL | Redis | total | CPU share |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results:
        print(
            f"| {name} | {r['cpu_app']:.2f} | {r['cpu_worker']:.2f} | {r['cpu_postgres']:.2f} | "
            f"{r['cpu_redis']:.2f} | {r['cpu']:.2f} | {r['ceiling_cpu'] / r['cpu']:.2f} |"
        )
    for note in notes:
        print(f"\n- {note}")


if __name__ == "__main__":
    main()
