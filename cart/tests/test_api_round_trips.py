"""What one cart API request costs: store round trips and SQL queries, and that the
cheaper add-then-read answers exactly what a separate add and read would."""

from decimal import Decimal

import pytest

from cart import product_rows, services
from cart.cart import Cart, new_token
from cart.store import get_store
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


def token_cart(lines=(), coupon=None) -> str:
    """A token cart holding ``(product, quantity[, stored price])`` lines."""
    token = new_token()
    store = get_store()
    store.touch(f"anon:{token}")
    for product, quantity, *price in lines:
        store.add(
            f"anon:{token}", product.pk, quantity, price[0] if price else product.price
        )
    if coupon:
        store.set_coupon(f"anon:{token}", coupon)
    return token


def test_view_costs_one_round_trip_and_one_query(
    api_client, cart_commands, django_assert_num_queries
):
    """GET cart/ with a token: one round trip with the snapshot, a plain HGETALL (it
    also proves the token and carries the expiry stamp, so no TTL command), and the
    catalog's version token; then one product query."""
    token = token_cart([(ProductFactory(), 1) for _ in range(10)])
    cart_commands.clear()

    with django_assert_num_queries(1):
        response = api_client.get("/api/v1/cart/", HTTP_X_CART_TOKEN=token)

    assert response.status_code == 200
    assert response.json()["count"] == 10
    assert cart_commands == ["HGETALL+GET"]


def test_add_costs_one_round_trip_and_no_query_once_rows_are_kept(
    api_client, redis_round_trips, django_assert_num_queries
):
    """POST cart/items/ on a catalog that has not changed since the process read its
    rows: one Redis round trip in all (the throttle's window, the token's existence, the
    catalog's version, the add and the read of the cart after it) and no query."""
    lines = [(ProductFactory(), 1) for _ in range(5)]
    added = ProductFactory(stock=3)
    token = token_cart([*lines, (added, 1)])
    api_client.get("/api/v1/cart/", HTTP_X_CART_TOKEN=token)  # keeps the rows
    redis_round_trips.clear()

    with django_assert_num_queries(0):
        response = api_client.post(
            "/api/v1/cart/items/",
            {"product_id": added.pk, "quantity": 2},
            format="json",
            HTTP_X_CART_TOKEN=token,
        )

    assert response.status_code == 200
    assert response.json()["count"] == 6
    assert response.json()["quantity"] == 8
    assert redis_round_trips == ["EVALSHA"]


def test_add_with_nothing_kept_costs_one_round_trip_and_two_queries(
    api_client, redis_round_trips, django_assert_num_queries
):
    """A process with no rows kept reads the product from the database before the step
    (nothing expected of the catalog's version), then the cart's products under the
    version the step read."""
    lines = [(ProductFactory(), 1) for _ in range(5)]
    token = token_cart(lines)
    added = ProductFactory(stock=3)
    product_rows.forget()
    redis_round_trips.clear()

    with django_assert_num_queries(2):
        response = api_client.post(
            "/api/v1/cart/items/",
            {"product_id": added.pk, "quantity": 2},
            format="json",
            HTTP_X_CART_TOKEN=token,
        )

    assert response.status_code == 200
    assert response.json()["count"] == 6
    assert redis_round_trips == ["EVALSHA"]


def test_view_of_an_unknown_token_is_404_after_one_round_trip(
    api_client, cart_commands
):
    """An unknown token is found out by the read's own snapshot: 404, nothing written."""
    response = api_client.get("/api/v1/cart/", HTTP_X_CART_TOKEN=new_token())

    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown or expired cart token.",
                               "code": "cart_not_found"}  # fmt: skip
    assert cart_commands == ["HGETALL+GET"]


@pytest.mark.parametrize(
    "body", [{}, {"product_id": "x"}, {"product_id": 1, "quantity": 0}]
)
def test_add_with_an_unknown_token_is_404_whatever_the_body(api_client, body):
    """The token is checked before the body: an unknown token is 404, never 400, and no
    cart is created for it."""
    token = new_token()

    response = api_client.post(
        "/api/v1/cart/items/", body, format="json", HTTP_X_CART_TOKEN=token
    )

    assert response.status_code == 404
    assert response.json()["code"] == "cart_not_found"
    assert not get_store().exists(f"anon:{token}")


def test_add_of_an_archived_product_changes_nothing(api_client):
    """404 for an archived product; the cart is left as it was."""
    kept = ProductFactory()
    token = token_cart([(kept, 2)])
    archived = ProductFactory(is_active=False)

    response = api_client.post(
        "/api/v1/cart/items/",
        {"product_id": archived.pk},
        format="json",
        HTTP_X_CART_TOKEN=token,
    )

    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"
    assert [
        (line.product_id, line.quantity) for line in get_store().lines(f"anon:{token}")
    ] == [(kept.pk, 2)]


@pytest.mark.parametrize("already_there", [False, True])
def test_add_answers_what_a_separate_add_and_read_answer(api_client, already_there):
    """The API's add-then-read equals cart_add_item followed by cart_read on a twin cart:
    items, totals, coupon, warnings (price change, archived, reduced, out of stock),
    the kept price of a line already in the cart, and the store left behind."""
    category = CategoryFactory()
    cheaper = ProductFactory(price=Decimal("8.00"), stock=9, category=category)
    archived = ProductFactory(price=Decimal("3.00"), stock=9)
    scarce = ProductFactory(price=Decimal("5.00"), stock=1)
    sold_out = ProductFactory(price=Decimal("4.00"), stock=0)
    target = ProductFactory(price=Decimal("12.50"), stock=20, category=category)
    coupon = CouponFactory(percent_off=Decimal("15.00"), categories=[category])
    lines = [
        (cheaper, 1, Decimal("9.00")),  # price changed since it was added
        (archived, 1),
        (scarce, 3),
        (sold_out, 1),
    ]
    if already_there:
        lines.append(
            (target, 2, Decimal("11.00"))
        )  # the stored price is kept by the add
    api_token, twin_token = (
        token_cart(lines, coupon.code),
        token_cart(lines, coupon.code),
    )
    archived.is_active = False
    archived.save()

    response = api_client.post(
        "/api/v1/cart/items/",
        {"product_id": target.pk, "quantity": 3},
        format="json",
        HTTP_X_CART_TOKEN=api_token,
    )
    twin = Cart.for_token(twin_token)
    services.cart_add_item(cart=twin, product_id=target.pk, quantity=3)
    expected = services.cart_summary_dict(services.cart_read(cart=twin))

    assert response.status_code == 200
    assert response.json() == expected
    assert {w["code"] for w in expected["warnings"]} >= {
        "price_changed",
        "product_unavailable",
        "quantity_reduced",
        "out_of_stock",
    }
    assert expected["coupon"] == {"code": coupon.code, "name": coupon.name}
    line = next(i for i in expected["items"] if i["product_id"] == target.pk)
    assert line["quantity"] == (5 if already_there else 3)
    store = get_store()
    assert store.lines(f"anon:{api_token}") == store.lines(f"anon:{twin_token}")
    assert store.get_coupon(f"anon:{api_token}") == coupon.code


def test_product_rows_equal_the_orm_rows():
    """The cart's one product query (SQL built once) reads exactly what the ORM reads:
    active and archived products, Decimal prices, unknown ids left out."""
    products = [
        ProductFactory(price=Decimal("0.01"), stock=0),
        ProductFactory(price=Decimal("1234567.89"), stock=7, is_active=False),
        ProductFactory(),
    ]
    ids = [p.pk for p in products] + [10**12]
    orm = {
        row[0]: product_rows.ProductRow._make(row)
        for row in Product.objects.filter(pk__in=ids).values_list(
            *product_rows.ProductRow._fields
        )
    }

    rows = product_rows.product_rows(ids)

    assert rows == orm
    assert set(rows) == {p.pk for p in products}
    assert rows[products[1].pk].price == Decimal("1234567.89")
    assert rows[products[1].pk].is_active is False
