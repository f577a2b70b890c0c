"""The cart API of API.md: every endpoint, its JSON, and its errors."""

import time
from decimal import Decimal

import pytest

from cart.cart import new_token
from cart.store import get_store
from catalog.tests.factories import ProductFactory
from conftest import client_for
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there: the cart store is down


@pytest.fixture
def product():
    return ProductFactory(price=Decimal("10.00"), stock=5)


@pytest.fixture
def anon(api_client):
    """An API client holding a new anonymous cart's token."""
    response = api_client.post("/api/v1/carts/")
    api_client.credentials(HTTP_X_CART_TOKEN=response.json()["token"])
    api_client.token = response.json()["token"]
    return api_client


def add(client, product_id, quantity=1, **extra):
    return client.post(
        "/api/v1/cart/items/",
        {"product_id": product_id, "quantity": quantity},
        format="json",
        **extra,
    )


def test_create_cart_returns_token_and_empty_cart(api_client, settings):
    """POST carts/ answers 201 with an unguessable token and the empty cart."""
    response = api_client.post("/api/v1/carts/")
    assert response.status_code == 201
    body = response.json()
    assert len(body["token"]) == 32
    assert body["cart"] == {
        "items": [],
        "count": 0,
        "quantity": 0,
        "subtotal": "0.00",
        "discount": "0.00",
        "tax": "0.00",
        "total": "0.00",
        "currency": "USD",
        "coupon": None,
        "warnings": [],
        "expires_in": settings.CART_TTL,
    }
    assert api_client.post("/api/v1/carts/").json()["token"] != body["token"]


def test_add_item_returns_the_cart_shape(anon, product):
    """Adding a product answers 200 with the API.md cart, money as strings."""
    response = add(anon, product.pk, 2)
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [
        {
            "product_id": product.pk,
            "slug": product.slug,
            "name": product.name,
            "unit_price": "10.00",
            "quantity": 2,
            "line_total": "20.00",
            "available": 5,
            "status": "ok",
            "price_changed": False,
        }
    ]
    assert (body["count"], body["quantity"]) == (1, 2)
    assert (body["subtotal"], body["discount"], body["tax"], body["total"]) == (
        "20.00",
        "0.00",
        "0.00",
        "20.00",
    )
    assert body["warnings"] == []
    assert 0 < body["expires_in"] <= 604800


def test_add_adds_to_the_quantity_and_defaults_to_one(anon, product):
    """A second add adds to the line; quantity defaults to 1."""
    add(anon, product.pk, 2)
    response = anon.post(
        "/api/v1/cart/items/", {"product_id": product.pk}, format="json"
    )
    assert response.json()["items"][0]["quantity"] == 3


def test_tax_is_applied(anon, product, settings):
    """SHOP_TAX_RATE × (subtotal − discount), rounded half-up."""
    settings.SHOP_TAX_RATE = Decimal("0.085")
    body = add(anon, product.pk, 1).json()
    assert (body["subtotal"], body["tax"], body["total"]) == ("10.00", "0.85", "10.85")


@pytest.mark.parametrize(
    "quantity", [0, -1, "2", "abc", 2.5, 2.0, True, None, [1], {"a": 1}]
)
def test_add_rejects_bad_quantities(anon, product, quantity):
    """A quantity below 1 or not a JSON integer is a 400 on the quantity field."""
    response = add(anon, product.pk, quantity)
    assert response.status_code == 400
    assert list(response.json()) == ["quantity"]


def test_add_rejects_quantities_above_the_line_maximum(anon, product, settings):
    """More than CART_MAX_LINE_QUANTITY in one request is a 400."""
    settings.CART_MAX_LINE_QUANTITY = 3
    response = add(anon, product.pk, 4)
    assert response.status_code == 400
    assert list(response.json()) == ["quantity"]
    assert add(anon, product.pk, 10**12).status_code == 400


def test_add_over_the_line_maximum_in_total_is_limit_exceeded(anon, settings):
    """Adding to a line beyond CART_MAX_LINE_QUANTITY (with stock to spare) is 400."""
    settings.CART_MAX_LINE_QUANTITY = 3
    product = ProductFactory(stock=100)
    add(anon, product.pk, 3)
    response = add(anon, product.pk, 1)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "At most 3 of one product per cart (the cart holds 3).",
        "code": "limit_exceeded",
        "limit": 3,
    }


@pytest.mark.parametrize("product_id", ["1", None, True, 1.5, 0, -3])
def test_add_rejects_bad_product_ids(anon, product_id):
    """A product id that is not a positive JSON integer is a 400."""
    response = add(anon, product_id)
    assert response.status_code == 400
    assert "product_id" in response.json()


def test_add_rejects_a_body_that_is_not_an_object(anon):
    """A JSON list or non-JSON body is a 4xx, never a 500."""
    assert anon.post("/api/v1/cart/items/", [1, 2], format="json").status_code == 400
    response = anon.post("/api/v1/cart/items/", "x=1", content_type="text/plain")
    assert response.status_code == 415
    response = anon.post("/api/v1/cart/items/", "{bad", content_type="application/json")
    assert response.status_code == 400


def test_add_unknown_or_inactive_product_is_404(anon, product):
    """Unknown, archived or absurd product ids are 404; the cart stays as it was."""
    add(anon, product.pk, 2)
    before = get_store().read(f"anon:{anon.token}")
    archived = ProductFactory(is_active=False)
    for product_id in (archived.pk, 999999, 2**63 - 1):
        response = add(anon, product_id)
        assert response.status_code == 404
        assert response.json()["code"] == "product_not_found"
    assert get_store().read(f"anon:{anon.token}") == before


@pytest.mark.parametrize("already_there", [False, True])
def test_add_answers_what_a_separate_add_and_read_answer(api_client, already_there):
    """The add's answer (the cart as the add's own step returned it) equals an add
    followed by a read of a twin cart: items, totals, coupon, every warning (price
    change, archived, reduced, out of stock), the kept price of a line already there,
    and the store left behind."""
    from cart.cart import Cart
    from cart.selectors import cart_read
    from cart.services import cart_add_item, cart_create
    from cart.store import CartLine
    from catalog.tests.factories import CategoryFactory

    category = CategoryFactory()
    cheaper = ProductFactory(price=Decimal("8.00"), stock=9, category=category)
    archived = ProductFactory(price=Decimal("3.00"), stock=9)
    scarce = ProductFactory(price=Decimal("5.00"), stock=1)
    sold_out = ProductFactory(price=Decimal("4.00"), stock=0)
    target = ProductFactory(price=Decimal("12.50"), stock=20, category=category)
    coupon = CouponFactory(percent_off=Decimal("15.00"), categories=[category])
    lines = [(cheaper, 1, "9.00"), (archived, 1, "3.00"), (scarce, 3, "5.00"),
             (sold_out, 1, "4.00")]  # fmt: skip
    if already_there:
        lines.append((target, 2, "11.00"))  # the stored price is kept by the add
    carts = [cart_create(), cart_create()]
    for cart in carts:
        for product, quantity, price in lines:
            get_store().add(cart.id, CartLine(product.pk, quantity, Decimal(price)))
        get_store().set_coupon(cart.id, coupon.code)
    archived.is_active = False
    archived.save()
    api_cart, twin = carts

    response = api_client.post(
        "/api/v1/cart/items/",
        {"product_id": target.pk, "quantity": 3},
        format="json",
        HTTP_X_CART_TOKEN=api_cart.token,
    )
    cart_add_item(cart=twin, product_id=target.pk, quantity=3)
    expected = cart_read(cart=Cart.for_token(twin.token)).as_dict()

    assert response.status_code == 200
    assert response.json() == expected
    assert {w["code"] for w in expected["warnings"]} >= {
        "price_changed",
        "product_unavailable",
        "quantity_reduced",
        "out_of_stock",
    }
    assert expected["coupon"] == {"code": coupon.code, "name": coupon.name}
    item = next(i for i in expected["items"] if i["product_id"] == target.pk)
    assert item["quantity"] == (5 if already_there else 3)
    left = [get_store().read(cart.id) for cart in carts]
    assert left[0].lines == left[1].lines and left[0].coupon == coupon.code


def test_add_beyond_stock_is_409_with_available(anon, product):
    """The new quantity above stock: 409 insufficient_stock with what is available."""
    add(anon, product.pk, 4)
    response = add(anon, product.pk, 2)
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Only 5 of {product.name} left.",
        "code": "insufficient_stock",
        "available": 5,
        "product_id": product.pk,
    }
    assert anon.get("/api/v1/cart/").json()["items"][0]["quantity"] == 4


def test_add_out_of_stock_is_409(anon):
    """A product with no stock cannot be added."""
    product = ProductFactory(stock=0)
    response = add(anon, product.pk)
    assert response.status_code == 409
    assert response.json()["available"] == 0


def test_too_many_lines_is_limit_exceeded(anon, settings):
    """More than CART_MAX_LINES distinct products: 400 limit_exceeded."""
    settings.CART_MAX_LINES = 2
    first, second, third = ProductFactory.create_batch(3)
    add(anon, first.pk)
    add(anon, second.pk)
    response = add(anon, third.pk)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A cart holds at most 2 different products.",
        "code": "limit_exceeded",
        "limit": 2,
    }


def test_set_item_sets_and_zero_removes(anon, product):
    """PUT and PATCH set the quantity; 0 removes the line."""
    add(anon, product.pk, 1)
    url = f"/api/v1/cart/items/{product.pk}/"
    assert (
        anon.put(url, {"quantity": 4}, format="json").json()["items"][0]["quantity"]
        == 4
    )
    assert (
        anon.patch(url, {"quantity": 2}, format="json").json()["items"][0]["quantity"]
        == 2
    )
    response = anon.patch(url, {"quantity": 0}, format="json")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_set_item_errors(anon, product, settings):
    """Bad quantities 400, beyond stock 409, unknown product 404, removing a missing line 404."""
    add(anon, product.pk, 1)
    url = f"/api/v1/cart/items/{product.pk}/"
    for bad in (-1, "3", 1.5, False, None):
        assert anon.put(url, {"quantity": bad}, format="json").status_code == 400
    assert anon.put(url, {}, format="json").status_code == 400
    assert (
        anon.put(
            url, {"quantity": settings.CART_MAX_LINE_QUANTITY + 1}, format="json"
        ).status_code
        == 400
    )
    response = anon.put(url, {"quantity": 6}, format="json")
    assert response.status_code == 409
    assert response.json()["available"] == 5
    assert (
        anon.put(
            "/api/v1/cart/items/999999/", {"quantity": 1}, format="json"
        ).status_code
        == 404
    )
    response = anon.put("/api/v1/cart/items/999999/", {"quantity": 0}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_in_cart"


def test_remove_item(anon, product):
    """DELETE removes the line (200 cart); a line not in the cart is 404."""
    add(anon, product.pk, 1)
    url = f"/api/v1/cart/items/{product.pk}/"
    response = anon.delete(url)
    assert response.status_code == 200
    assert response.json()["items"] == []
    response = anon.delete(url)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "This product is not in your cart.",
        "code": "not_in_cart",
    }
    assert anon.delete(f"/api/v1/cart/items/{10**30}/").status_code == 404


def test_delete_cart_destroys_it(anon, product):
    """DELETE cart/ answers 204; the token is then unknown (404)."""
    add(anon, product.pk, 1)
    assert anon.delete("/api/v1/cart/").status_code == 204
    assert anon.get("/api/v1/cart/").status_code == 404


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
        ("put", "/api/v1/cart/items/{pid}/", {"quantity": 2}),
        ("patch", "/api/v1/cart/items/{pid}/", {"quantity": 0}),
        ("delete", "/api/v1/cart/items/{pid}/", None),
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

    response = getattr(anon, method)(path.format(pid=product.pk), body, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "cart_not_found"
    assert get_store().exists(f"anon:{anon.token}") is False


def test_jwt_user_has_one_cart(customer, product):
    """A user's cart follows the JWT, across clients (devices)."""
    add(client_for(customer), product.pk, 2)
    body = client_for(customer).get("/api/v1/cart/").json()
    assert body["items"][0]["quantity"] == 2


def test_bad_jwt_is_401(api_client):
    """A broken bearer token is 401, not an anonymous cart."""
    api_client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    assert api_client.get("/api/v1/cart/").status_code == 401


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
        f"/api/v1/cart/items/{product.pk}/", {"quantity": 2}, format="json"
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
    url = f"/api/v1/cart/items/{product.pk}/"
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
        "/api/v1/cart/items/{product_id}/",
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
