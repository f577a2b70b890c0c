"""Who may use a cart through the API (a JWT, a cart token: unknown, expired, gone),
its throttle, and what the cart API answers when its store is down."""

import time

import pytest

from cart.cart import new_token
from cart.store import get_store
from cart.tests.factories import variant_of
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there: the cart store is down


def add(client, product_id, quantity=1, **extra):
    return client.post(
        "/api/v1/cart/items/",
        {"product_id": product_id, "quantity": quantity},
        format="json",
        **extra,
    )


def test_no_cart_is_401_with_how_to(api_client):
    """Without a JWT or an X-Cart-Token, cart/... says how to get a cart."""
    for method, url in [
        ("get", "/api/v1/cart/"),
        ("post", "/api/v1/cart/items/"),
        ("delete", "/api/v1/cart/"),
        ("put", "/api/v1/cart/coupon/"),
    ]:
        response = getattr(api_client, method)(url, {}, format="json")
        assert response.status_code == 401
        body = response.json()
        assert body["code"] == "not_authenticated"
        assert "POST /api/v1/carts/" in body["detail"]
        assert "X-Cart-Token" in body["detail"]


@pytest.mark.parametrize("token", ["A" * 32, "short", "x" * 500, "../../etc/passwd"])
def test_unknown_token_is_404(api_client, token):
    """An unknown, malformed or expired token is 404."""
    response = api_client.get("/api/v1/cart/", HTTP_X_CART_TOKEN=token)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Unknown or expired cart token.",
        "code": "cart_not_found",
    }


def test_expired_token_is_404(api_client, settings):
    """A cart whose lifetime (CART_TTL) ran out is gone: its token is 404."""
    settings.CART_TTL = 1
    token = api_client.post("/api/v1/carts/").json()["token"]
    time.sleep(1.2)
    response = api_client.get("/api/v1/cart/", HTTP_X_CART_TOKEN=token)
    assert response.status_code == 404
    assert response.json()["code"] == "cart_not_found"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/cart/items/", {"quantity": 1}),
        ("put", "/api/v1/cart/items/{vid}/", {"quantity": 2}),
        ("patch", "/api/v1/cart/items/{vid}/", {"quantity": 0}),
        ("delete", "/api/v1/cart/items/{vid}/", None),
        ("put", "/api/v1/cart/coupon/", {"code": "GONE"}),
        ("delete", "/api/v1/cart/coupon/", None),
        ("delete", "/api/v1/cart/", None),
    ],
)
def test_every_write_to_a_gone_token_cart_is_404_and_brings_nothing_back(
    anon, product, method, path, body
):
    """A token whose cart is gone (expired, ordered, cleared) is 404 to every write, and
    no write brings its cart back (a coupon or a line on a cart nobody can see)."""
    CouponFactory(code="GONE")
    assert add(anon, product.pk).status_code == 200
    get_store().destroy(f"anon:{anon.token}")
    if body is not None and path.endswith("items/"):
        body = {**body, "product_id": product.pk}

    path = path.format(vid=variant_of(product).pk)
    response = getattr(anon, method)(path, body, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "cart_not_found"
    assert get_store().exists(f"anon:{anon.token}") is False


def _cart_write_rate(settings, rate):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "cart_write": rate,
        },
    }


def test_writes_are_throttled(anon, product, settings):
    """Cart writes beyond the cart_write rate answer 429; reads are not throttled."""
    _cart_write_rate(settings, "3/min")
    # The fixture's POST carts/ was the first write from this client.
    assert add(anon, product.pk).status_code == 200
    assert add(anon, product.pk).status_code == 200
    response = add(anon, product.pk)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert anon.get("/api/v1/cart/").status_code == 200


def test_a_rate_of_zero_refuses_every_write_with_429(
    customer_client, product, settings
):
    """0/min (cart writes frozen during an incident): every write is a 429 with a wait
    of a whole window, not a 500 (an empty window has no oldest entry)."""
    _cart_write_rate(settings, "0/min")

    added = customer_client.post(
        "/api/v1/cart/items/", {"product_id": product.pk}, format="json"
    )
    put = customer_client.put(
        f"/api/v1/cart/items/{variant_of(product).pk}/", {"quantity": 2}, format="json"
    )

    assert added.status_code == 429 and added.json()["code"] == "throttled"
    assert int(added["Retry-After"]) == 60
    assert put.status_code == 429 and int(put["Retry-After"]) == 60
    assert customer_client.get("/api/v1/cart/").json()["items"] == []


def test_a_client_cannot_leave_its_window_by_writing_x_forwarded_for(
    api_client, product, settings
):
    """An anonymous client is counted by its connection's address (or, behind a proxy,
    by the address the proxy appended), not by a header it writes itself."""
    _cart_write_rate(settings, "3/min")
    token = api_client.post("/api/v1/carts/").json()["token"]  # the first write

    def add_as(forwarded):
        return api_client.post(
            "/api/v1/cart/items/",
            {"product_id": product.pk},
            format="json",
            HTTP_X_CART_TOKEN=token,
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    assert [add_as(f"10.0.0.{n}") for n in range(4)] == [200, 200, 429, 429]

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # Behind one proxy: what the client wrote comes first, the proxy appends the truth.
    assert [add_as(f"10.1.0.{n}, 198.51.100.7") for n in range(4)] == [
        200,
        200,
        200,
        429,
    ]


def test_an_add_refused_before_its_write_still_counts_and_429_comes_first(
    anon, product, settings
):
    """The throttle counts a write before the view parses it: an add refused later (bad
    body, unknown product, unknown token) is counted all the same, and a full window
    answers 429 before any other refusal."""
    _cart_write_rate(settings, "3/min")
    # The fixture's POST carts/ was the first write from this client.
    assert add(anon, "x").status_code == 400
    assert add(anon, 10**12).status_code == 404
    for body in ({"product_id": "x"}, {"product_id": product.pk}):
        response = anon.post("/api/v1/cart/items/", body, format="json")
        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        assert int(response["Retry-After"]) > 0
    response = anon.post(
        "/api/v1/cart/items/",
        {"product_id": product.pk},
        format="json",
        HTTP_X_CART_TOKEN=new_token(),
    )
    assert response.status_code == 429
    assert anon.get("/api/v1/cart/").json()["items"] == []


def test_an_add_with_a_malformed_token_or_a_body_too_big_still_counts(
    api_client, product, settings
):
    """Refusals raised before the add's own checks (a malformed token: 404; a body over
    the size limit: 413) count against the throttle too, and a full window answers 429
    before them."""
    _cart_write_rate(settings, "3/min")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    token = api_client.post("/api/v1/carts/").json()["token"]  # the first write
    malformed = {"HTTP_X_CART_TOKEN": "not-a-token"}
    big = {"product_id": product.pk, "note": "x" * 200}

    assert add(api_client, product.pk, **malformed).status_code == 404
    assert api_client.post("/api/v1/cart/items/", big, format="json",
                           HTTP_X_CART_TOKEN=token).status_code == 413  # fmt: skip

    assert add(api_client, product.pk, **malformed).status_code == 429
    response = api_client.post(
        "/api/v1/cart/items/", big, format="json", HTTP_X_CART_TOKEN=token
    )
    assert response.status_code == 429


def test_redis_down_is_503(anon, customer_client, product, settings):
    """An unreachable cart store: every cart endpoint answers 503 service_unavailable
    JSON (the throttle's Redis still answers), never a 500."""
    CouponFactory(code="X")
    settings.CART_REDIS_URL = DEAD_REDIS
    url = f"/api/v1/cart/items/{variant_of(product).pk}/"
    for response in (
        anon.get("/api/v1/cart/"),
        add(anon, product.pk),
        anon.put(url, {"quantity": 2}, format="json"),
        anon.delete(url),
        anon.put("/api/v1/cart/coupon/", {"code": "X"}, format="json"),
        anon.delete("/api/v1/cart/coupon/"),
        anon.delete("/api/v1/cart/"),
        anon.post("/api/v1/carts/"),
        customer_client.get("/api/v1/cart/"),
        customer_client.post(
            "/api/v1/cart/merge/", {"token": anon.token}, format="json"
        ),
    ):
        assert response.status_code == 503
        assert response.json()["code"] == "service_unavailable"


def test_catalog_api_unaffected_when_redis_is_down(api_client, product, settings):
    """Redis down does not break what does not use the cart: the product list and a
    product (the cart store's Redis, not the cache's: shop/tests/test_outages.py takes
    both down)."""
    settings.CART_REDIS_URL = DEAD_REDIS
    assert api_client.post("/api/v1/carts/").status_code == 503  # the store is down
    listed = api_client.get("/api/v1/products/")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert api_client.get(f"/api/v1/products/{product.pk}/").status_code == 200


def test_schema_documents_the_cart_api(api_client):
    """The OpenAPI schema lists the cart endpoints with the X-Cart-Token header."""
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = (
        response.json()
        if response["Content-Type"].startswith("application/json")
        else None
    )
    if schema is None:
        import yaml

        schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in (
        "/api/v1/carts/",
        "/api/v1/cart/",
        "/api/v1/cart/items/",
        "/api/v1/cart/items/{variant_id}/",
        "/api/v1/cart/coupon/",
        "/api/v1/cart/merge/",
        "/api/v1/auth/facebook/",
    ):
        assert path in paths
    params = [p["name"] for p in paths["/api/v1/cart/"]["get"]["parameters"]]
    assert "X-Cart-Token" in params
    assert {"200", "401", "404", "503"} <= set(
        paths["/api/v1/cart/"]["get"]["responses"]
    )


def test_a_coupon_for_a_token_cart_destroyed_meanwhile_is_404(
    anon, product, monkeypatch
):
    """The cart is destroyed (a checkout) between the coupon's check and its write: the
    token's cart is gone, as any other write on it would answer, and is not brought back."""
    from cart import services

    CouponFactory(code="RACE", name="Race")
    assert add(anon, product.pk).status_code == 200
    read = services.cart_read

    def read_then_destroyed(**kwargs):
        summary = read(**kwargs)
        get_store().destroy(f"anon:{anon.token}")
        return summary

    monkeypatch.setattr(services, "cart_read", read_then_destroyed)

    response = anon.put("/api/v1/cart/coupon/", {"code": "RACE"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "cart_not_found"
    assert get_store().exists(f"anon:{anon.token}") is False
