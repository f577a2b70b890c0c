"""Queries per request of the hot endpoints: the same for 1 item as for 50 (no N+1).

Each scenario builds its data for ``n`` items and returns the request to make. The test
makes a warm-up request (caches, sessions and lazily loaded content types settle), then
counts the SQL statements of one request with 1 item and of one with 50 items, each on
data of its own, and asserts the two counts are equal and the answer is the expected one.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from catalog.tests.factories import CategoryFactory, ProductFactory
from conftest import client_for
from coupons.tests.factories import CouponFactory
from orders.tests.carts import cart_with
from orders.tests.factories import order_with

pytestmark = pytest.mark.django_db

_serial = count()
ADDRESS = {
    "email": "q@example.com",
    "shipping_name": "Q",
    "shipping_address": "1 Count Road",
}


@dataclass
class Call:
    """One request: ``client.<method>(path, **kwargs)`` expecting ``status``."""

    client: object
    method: str
    path: str
    status: int
    kwargs: dict = field(default_factory=dict)
    check: Callable | None = None  # sees the response, proves the n items were there

    def __call__(self):
        response = getattr(self.client, self.method)(self.path, **self.kwargs)
        assert response.status_code == self.status, (self.path, response.content[:500])
        if self.check is not None:
            self.check(response)
        return response


def _products(n, **extra):
    return [
        ProductFactory(price=Decimal("10.00") + i, stock=100, **extra) for i in range(n)
    ]


def _json_count(key, n):
    def check(response):
        assert len(response.json()[key]) == n

    return check


# --- scenarios: each builds data for n items on fresh users/objects ------------------------


def product_list(n):
    # Each product has its own seller and category (the factories' sub-factories).
    _products(n)
    return Call(
        client_for(UserFactory()), "get", "/api/v1/products/?page_size=100", 200
    )


def product_list_search(n):
    for _ in range(n):
        ProductFactory(
            name=f"Copper kettle {next(_serial)}", description="Boils water."
        )
    return Call(
        client_for(UserFactory()),
        "get",
        "/api/v1/products/?search=kettle&page_size=100",
        200,
    )


def product_list_category(n):
    parent = CategoryFactory()
    for _ in range(n):
        ProductFactory(category=CategoryFactory(parent=parent))
    path = f"/api/v1/products/?category={parent.slug}&page_size=100"
    return Call(
        client_for(UserFactory()), "get", path, 200, check=_json_count("results", n)
    )


def product_detail(n):
    # "n items" for a detail: a catalog of n products around the one asked for.
    products = _products(n)
    return Call(
        client_for(UserFactory()), "get", f"/api/v1/products/{products[-1].pk}/", 200
    )


def category_list(n):
    parent = CategoryFactory()
    for _ in range(n):
        CategoryFactory(parent=parent)  # the parent's slug is rendered
    return Call(
        client_for(UserFactory()), "get", "/api/v1/categories/?page_size=100", 200
    )


def seller_list(n):
    for _ in range(n):
        ProductFactory()  # a new seller each, with one product to count
    return Call(client_for(UserFactory()), "get", "/api/v1/sellers/?page_size=100", 200)


def cart_view(n):
    user = UserFactory()
    cart_with([(p, 1) for p in _products(n)], user=user)
    return Call(
        client_for(user), "get", "/api/v1/cart/", 200, check=_json_count("items", n)
    )


def cart_view_with_coupon(n):
    user = UserFactory()
    category = CategoryFactory()
    coupon = CouponFactory(categories=[category])
    products = [
        ProductFactory(category=CategoryFactory(parent=category)) for _ in range(n)
    ]
    cart_with([(p, 1) for p in products], user=user, coupon=coupon.code)

    def check(response):
        assert len(response.json()["items"]) == n
        assert response.json()["coupon"]["code"] == coupon.code

    return Call(client_for(user), "get", "/api/v1/cart/", 200, check=check)


def cart_add(n):
    user = UserFactory()
    cart_with([(p, 1) for p in _products(n)], user=user)
    new = ProductFactory(stock=5)
    return Call(
        client_for(user), "post", "/api/v1/cart/items/", 200,
        {"data": {"product_id": new.pk, "quantity": 1}, "format": "json"},
        check=_json_count("items", n + 1),
    )  # fmt: skip


def checkout(n):
    user = UserFactory()
    cart_with([(p, 1) for p in _products(n)], user=user)
    return Call(
        client_for(user), "post", "/api/v1/orders/", 201,
        {"data": ADDRESS, "format": "json"}, check=_json_count("items", n),
    )  # fmt: skip


def checkout_with_coupon(n):
    user = UserFactory()
    category = CategoryFactory()
    coupon = CouponFactory(categories=[category])
    products = [ProductFactory(category=category, stock=10) for _ in range(n)]
    cart_with([(p, 1) for p in products], user=user, coupon=coupon.code)

    def check(response):
        assert len(response.json()["items"]) == n
        assert response.json()["coupon_code"] == coupon.code

    return Call(
        client_for(user), "post", "/api/v1/orders/", 201,
        {"data": ADDRESS, "format": "json"}, check=check,
    )  # fmt: skip


def order_list(n):
    user = UserFactory()
    products = _products(2)
    for _ in range(n):
        order_with(products_and_quantities=[(p, 1) for p in products], user=user)
    return Call(
        client_for(user), "get", "/api/v1/orders/?page_size=100", 200,
        check=_json_count("results", n),
    )  # fmt: skip


def order_detail(n):
    user = UserFactory()
    order = order_with(
        products_and_quantities=[(p, 1) for p in _products(n)], user=user
    )
    return Call(
        client_for(user), "get", f"/api/v1/orders/{order.number}/", 200,
        check=_json_count("items", n),
    )  # fmt: skip


def coupon_list(n):
    for _ in range(n):
        CouponFactory(
            products=_products(2), categories=[CategoryFactory(), CategoryFactory()]
        )
    staff = UserFactory(is_staff=True)
    return Call(client_for(staff), "get", "/api/v1/coupons/?page_size=100", 200)


def catalog_page(n):
    _products(n)
    return Call(Client(), "get", "/", 200)


def catalog_page_search(n):
    for _ in range(n):
        ProductFactory(name=f"Speckled mug {next(_serial)}")
    return Call(Client(), "get", "/?q=mug", 200)


def cart_page(n):
    user = UserFactory()
    cart_with([(p, 1) for p in _products(n)], user=user)
    client = Client()
    client.force_login(user)

    def check(response):
        assert len(response.context["summary"]["items"]) == n

    return Call(client, "get", "/cart/", 200, check=check)


SCENARIOS = [
    product_list,
    product_list_search,
    product_list_category,
    product_detail,
    category_list,
    seller_list,
    cart_view,
    cart_view_with_coupon,
    cart_add,
    checkout,
    checkout_with_coupon,
    order_list,
    order_detail,
    coupon_list,
    catalog_page,
    catalog_page_search,
    cart_page,
]


def _count(call: Call) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_queries_do_not_grow_with_items(scenario):
    """The endpoint runs as many SQL queries for 50 items as for 1 (no N+1)."""
    scenario(1)()  # warm-up: sessions, content types and caches settle
    one, one_sql = _count(scenario(1))
    fifty, fifty_sql = _count(scenario(50))

    assert one == fifty, "\n".join(
        [f"1 item: {one} queries, 50 items: {fifty}", "--- 50 items:", *fifty_sql]
    )
    assert one > 0  # the request really went to the database
