"""Outages: Redis stopped, the database unreachable. 503s with the shop's own answers.

Redis: the cache and the cart store are pointed at a closed port (a real connection
refusal through django-redis, not a mock). The database: a gunicorn server started with
the production settings and a ``DATABASE_URL`` on a closed port, asked over HTTP.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import jwt
import pytest
from django.test import Client
from redis.backoff import NoBackoff
from redis.retry import Retry
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD
from cart.cart import SESSION_KEY, new_token
from catalog.tests.factories import ProductFactory
from conftest import client_for
from coupons.tests.factories import CouponFactory
from orders.tests.factories import order_with

BASE_DIR = Path(__file__).resolve().parents[2]
CLOSED = "127.0.0.1:1"  # nothing listens on port 1: connections are refused at once


# --- Redis down -------------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    """Cache and cart store on a Redis that refuses connections (production options)."""
    settings.REDIS_URL = f"redis://{CLOSED}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "CONNECTION_POOL_KWARGS": {"retry": Retry(NoBackoff(), 0)},
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    # Overriding CACHES makes Django build new cache objects: django-redis then connects
    # to the new LOCATION, and get_store() builds a store for that new client.
    from cart.store import get_store

    assert get_store().client.connection_pool.connection_kwargs["port"] == 1
    yield


@pytest.fixture
def product(db):
    return ProductFactory(price=Decimal("9.50"), stock=20)


def _is_outage_json(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["detail"]


def _is_outage_page(response) -> None:
    html = response.content.decode()
    assert response.status_code == 503, html[:300]
    assert response["Content-Type"].startswith("text/html")
    assert "right back" in html
    assert "Traceback" not in html and "Redis" not in html


@pytest.mark.django_db
def test_cart_api_is_503_json_when_redis_is_down(redis_down, product, customer):
    """Every cart operation, with a JWT or a cart token, answers 503 service_unavailable."""
    coupon = CouponFactory(code="DOWN10")
    user, guest = client_for(customer), APIClient()
    guest.credentials(HTTP_X_CART_TOKEN=new_token())
    for client in (user, guest):
        _is_outage_json(client.get("/api/v1/cart/"))
        _is_outage_json(
            client.post(
                "/api/v1/cart/items/", {"product_id": product.pk}, format="json"
            )
        )
        _is_outage_json(client.put(f"/api/v1/cart/items/{product.pk}/", {"quantity": 2},
                                   format="json"))  # fmt: skip
        _is_outage_json(client.delete(f"/api/v1/cart/items/{product.pk}/"))
        _is_outage_json(
            client.put("/api/v1/cart/coupon/", {"code": coupon.code}, format="json")
        )
        _is_outage_json(client.delete("/api/v1/cart/"))
        _is_outage_json(client.post("/api/v1/carts/"))
        _is_outage_json(
            client.post("/api/v1/orders/", {"email": "a@example.com", "shipping_name": "A",
                                            "shipping_address": "B"}, format="json")
        )  # fmt: skip
    _is_outage_json(
        user.post("/api/v1/cart/merge/", {"token": new_token()}, format="json")
    )


@pytest.mark.django_db
def test_cart_pages_are_the_friendly_503_page_when_redis_is_down(
    redis_down, client, product, customer
):
    """The cart page, its actions and checkout answer the shop's 503 page, for a visitor
    with a session cart and for a signed-in customer."""
    session = client.session
    session[SESSION_KEY] = new_token()
    session.save()
    signed_in = Client()
    signed_in.force_login(customer)
    for browser in (client, signed_in):
        _is_outage_page(browser.get("/cart/"))
        _is_outage_page(
            browser.post("/cart/add/", {"product_id": product.pk, "quantity": 1})
        )
        _is_outage_page(browser.post(f"/cart/items/{product.pk}/update/",
                                     {f"line{product.pk}-quantity": 2}))  # fmt: skip
        _is_outage_page(browser.post(f"/cart/items/{product.pk}/remove/"))
        _is_outage_page(browser.get("/checkout/"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "refusal",
    [
        "ReadOnlyError:You can't write against a read only replica.",
        "OutOfMemoryError:OOM command not allowed when used memory > 'maxmemory'.",
    ],
)
def test_redis_refusing_writes_is_an_outage_too(
    refusal, client, product, customer, monkeypatch, settings
):
    """The errors of a Redis that answers but refuses (a replica during a failover,
    maxmemory reached) give the same 503s as one that is down, not a 500, whichever
    command gets them (here: every one)."""
    import redis.exceptions

    from cart.store import RedisCartStore

    if not settings.REDIS_URL:
        pytest.skip("the Redis store's replies")
    name, message = refusal.split(":", 1)
    error = getattr(redis.exceptions, name)

    def refuse(self, *commands):
        raise error(message)

    monkeypatch.setattr(RedisCartStore, "_round_trip", refuse)
    api = client_for(customer)
    _is_outage_json(
        api.post("/api/v1/cart/items/", {"product_id": product.pk}, format="json")
    )
    _is_outage_json(api.get("/api/v1/cart/"))
    signed_in = Client()
    signed_in.force_login(customer)
    _is_outage_page(
        signed_in.post("/cart/add/", {"product_id": product.pk, "quantity": 1})
    )


@pytest.mark.django_db
def test_catalog_and_orders_are_still_served_when_redis_is_down(
    redis_down, client, product, customer
):
    """Catalog pages and API, the orders API and order pages do not need Redis."""
    assert client.get("/").status_code == 200
    assert client.get(f"/p/{product.slug}/").status_code == 200
    api = client_for(customer)
    assert api.get("/api/v1/products/").json()["count"] == 1
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 200
    order = order_with(products_and_quantities=[(product, 2)], user=customer,
                       email=customer.email)  # fmt: skip
    listed = api.get("/api/v1/orders/")
    assert listed.status_code == 200
    assert [o["number"] for o in listed.json()["results"]] == [order.number]
    assert api.get(f"/api/v1/orders/{order.number}/").json()["total"] == "19.00"
    paid = api.post(f"/api/v1/orders/{order.number}/pay/", {"payment_token": "tok_success"},
                    format="json")  # fmt: skip
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    client.force_login(customer)
    assert client.get("/orders/").status_code == 200
    page = client.get(f"/orders/{order.number}/")
    assert page.status_code == 200 and order.number in page.content.decode()


@pytest.mark.django_db
def test_auth_still_works_and_throttles_fail_open_when_redis_is_down(
    redis_down, customer
):
    """The throttle counters live in Redis: while it is down they let requests through."""
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"email": customer.email, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["access"]


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down(redis_down, client):
    """/readyz is 503 and says Redis is the part that is down; /healthz is still 200."""
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable", "checks": {"database": "ok", "redis": "down"},
    }  # fmt: skip
    assert client.get("/healthz").status_code == 200


# --- the database unreachable --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SECRET = "outage-test-" + "s" * 60


@pytest.fixture(scope="module")
def no_database_server():
    """gunicorn with the production settings and a database nobody answers for."""
    port = _free_port()
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "TMPDIR"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        DJANGO_SETTINGS_MODULE="shop.tests.outage_settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="CRITICAL",
        DATABASE_URL=f"postgres://postgres@{CLOSED}/shop",
        REDIS_URL="",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shop.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stdout.read().decode()) from None
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def _fetch(url, *, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers=headers or {}
    )
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def _access_token(user_id: int = 1) -> str:
    now = datetime.now(UTC)
    claims = {"token_type": "access", "user_id": str(user_id), "jti": "outage",
              "iat": now, "exp": now + timedelta(minutes=5)}  # fmt: skip
    return jwt.encode(claims, SECRET, algorithm="HS256")


API_CALLS = [
    ("GET", "/api/v1/products/", None, {}),
    ("GET", "/api/v1/products/1/", None, {}),
    ("GET", "/api/v1/categories/", None, {}),
    ("POST", "/api/v1/auth/token/", {"email": "a@example.com", "password": "x"}, {}),
    ("POST", "/api/v1/auth/register/",
     {"email": "new@example.com", "password": "Sturdy-Pass-8812", "name": "N"}, {}),
    ("GET", "/api/v1/orders/", None, {"Authorization": "Bearer {jwt}"}),
    ("GET", "/api/v1/auth/me/", None, {"Authorization": "Bearer {jwt}"}),
    ("GET", "/api/v1/cart/", None, {"Authorization": "Bearer {jwt}"}),
]  # fmt: skip


@pytest.mark.parametrize("method,path,body,headers", API_CALLS)
def test_api_is_503_json_when_the_database_is_unreachable(
    no_database_server, method, path, body, headers
):
    """API calls that need the database: 503 service_unavailable JSON, no traceback."""
    headers = {key: value.format(jwt=_access_token()) for key, value in headers.items()}
    status, response_headers, text = _fetch(
        no_database_server + path, method=method, body=body, headers=headers
    )
    assert status == 503, text[:500]
    assert response_headers["Content-Type"] == "application/json"
    assert json.loads(text)["code"] == "service_unavailable"
    assert "Traceback" not in text and "OperationalError" not in text


PAGES = [
    ("/", {}),
    ("/p/some-product/", {}),
    ("/c/some-category/", {}),
    ("/cart/", {}),
    ("/checkout/", {}),
    ("/accounts/login/", {}),
    ("/orders/", {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}),
    ("/", {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}),
]


@pytest.mark.parametrize("path,headers", PAGES)
def test_pages_are_the_503_page_when_the_database_is_unreachable(
    no_database_server, path, headers
):
    """Storefront pages: the shop's 503 page, no traceback, no database error text."""
    status, response_headers, text = _fetch(no_database_server + path, headers=headers)
    assert status == 503, text[:500]
    assert response_headers["Content-Type"].startswith("text/html")
    assert "right back" in text
    assert "Traceback" not in text and "OperationalError" not in text


def test_probes_when_the_database_is_unreachable(no_database_server):
    """/healthz stays 200 (the process is up); /readyz is 503 naming the database."""
    assert _fetch(no_database_server + "/healthz")[0] == 200
    status, _, text = _fetch(no_database_server + "/readyz")
    assert status == 503
    assert json.loads(text)["checks"]["database"] == "down"


@pytest.mark.django_db
def test_a_read_only_redis_still_shows_carts_and_refuses_their_writes(
    client, product, customer, monkeypatch, settings
):
    """As a read-only replica answers: reads served, every write refused (503, the
    friendly page), nothing half-written."""
    import redis.exceptions

    from cart.store import RedisCartStore

    if not settings.REDIS_URL:
        pytest.skip("the Redis store's replies")
    reads = {"HGETALL", "GET", "MGET", "EXISTS", "TTL", "PING"}
    real = RedisCartStore._round_trip

    def read_only(self, *commands):
        names = (c[0].decode() if isinstance(c[0], bytes) else c[0] for c in commands)
        if any(name.upper() not in reads for name in names):
            raise redis.exceptions.ReadOnlyError(
                "You can't write against a read only replica."
            )
        return real(self, *commands)

    api = client_for(customer)
    assert (
        api.post("/api/v1/cart/items/", {"product_id": product.pk}, format="json")
    ).status_code == 200
    monkeypatch.setattr(RedisCartStore, "_round_trip", read_only)

    viewed = api.get("/api/v1/cart/")
    _is_outage_json(
        api.post("/api/v1/cart/items/", {"product_id": product.pk}, format="json")
    )
    signed_in = Client()
    signed_in.force_login(customer)
    _is_outage_page(
        signed_in.post("/cart/add/", {"product_id": product.pk, "quantity": 1})
    )

    assert viewed.status_code == 200 and viewed.json()["quantity"] == 1
    monkeypatch.undo()
    assert api.get("/api/v1/cart/").json()["quantity"] == 1
