"""The cart API of API.md: every endpoint, its JSON, and its errors, with products of
one variant (named by product_id or variant_id). Variants of products with options:
test_api_variants; tokens, throttles and outages: test_api_access."""

from decimal import Decimal

import pytest

from cart.store import get_store
from cart.tests.factories import variant_of
from catalog.tests.factories import ProductFactory
from conftest import client_for
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


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
    mug = variant_of(product)
    assert body["items"] == [
        {
            "variant_id": mug.pk,
            "product_id": product.pk,
            "sku": mug.sku,
            "options": {},
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
        "detail": "At most 3 of one item per cart (the cart holds 3).",
        "code": "limit_exceeded",
        "limit": 3,
    }


@pytest.mark.parametrize("bad", ["1", None, True, 1.5, 0, -3, 2**63, [1]])
@pytest.mark.parametrize("field", ["product_id", "variant_id"])
def test_add_rejects_bad_ids(anon, field, bad):
    """A product or variant id that is not a positive JSON integer is a 400 on it."""
    response = anon.post("/api/v1/cart/items/", {field: bad}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


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
    for variant_id in (variant_of(archived).pk, 999999, 2**63 - 1):
        response = anon.post(
            "/api/v1/cart/items/", {"variant_id": variant_id}, format="json"
        )
        assert response.status_code == 404
        assert response.json()["code"] == "variant_not_found"
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
            line = CartLine(variant_of(product).pk, quantity, Decimal(price))
            get_store().add(cart.id, line)
        get_store().set_coupon(cart.id, coupon.code)
    archived.is_active = False
    archived.save(update_fields=["is_active"])
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
        "variant_id": variant_of(product).pk,
    }
    assert anon.get("/api/v1/cart/").json()["items"][0]["quantity"] == 4


def test_add_out_of_stock_is_409(anon):
    """A product with no stock cannot be added."""
    product = ProductFactory(stock=0)
    response = add(anon, product.pk)
    assert response.status_code == 409
    assert response.json()["available"] == 0


def test_too_many_lines_is_limit_exceeded(anon, settings):
    """More than CART_MAX_LINES lines (variants): 400 limit_exceeded."""
    settings.CART_MAX_LINES = 2
    first, second, third = ProductFactory.create_batch(3)
    add(anon, first.pk)
    add(anon, second.pk)
    response = add(anon, third.pk)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A cart holds at most 2 different items.",
        "code": "limit_exceeded",
        "limit": 2,
    }


def test_set_item_sets_and_zero_removes(anon, product):
    """PUT and PATCH set the quantity; 0 removes the line."""
    add(anon, product.pk, 1)
    url = f"/api/v1/cart/items/{variant_of(product).pk}/"
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
    """Bad quantities 400, beyond stock 409, unknown variant 404, removing a missing
    line 404."""
    add(anon, product.pk, 1)
    url = f"/api/v1/cart/items/{variant_of(product).pk}/"
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
    url = f"/api/v1/cart/items/{variant_of(product).pk}/"
    response = anon.delete(url)
    assert response.status_code == 200
    assert response.json()["items"] == []
    response = anon.delete(url)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "This item is not in your cart.",
        "code": "not_in_cart",
    }
    assert anon.delete(f"/api/v1/cart/items/{10**30}/").status_code == 404


def test_delete_cart_destroys_it(anon, product):
    """DELETE cart/ answers 204; the token is then unknown (404)."""
    add(anon, product.pk, 1)
    assert anon.delete("/api/v1/cart/").status_code == 204
    assert anon.get("/api/v1/cart/").status_code == 404


def test_jwt_user_has_one_cart(customer, product):
    """A user's cart follows the JWT, across clients (devices)."""
    add(client_for(customer), product.pk, 2)
    body = client_for(customer).get("/api/v1/cart/").json()
    assert body["items"][0]["quantity"] == 2


def test_bad_jwt_is_401(api_client):
    """A broken bearer token is 401, not an anonymous cart."""
    api_client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    assert api_client.get("/api/v1/cart/").status_code == 401
