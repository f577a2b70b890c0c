"""The budget suite: what the hot paths may cost, as ceilings. The one place where SQL
statements and Redis round trips are counted; behaviour tests never count them.

SQL: each scenario builds its data for ``n`` items and returns the request to make. A
warm-up request lets sessions, content types and Lua script loading settle; then one
request with few items and one with many, each on data of its own, are counted. They must
run the same number of statements (nothing grows with the items: no N+1), and that
number must stay within the scenario's ceiling. Work a request queues for its commit (the
checkout's take from the cart, its confirmation mail) runs and is counted with it.

Redis: round trips are counted on the wire (the root conftest's ``redis_round_trips`` and
``cart_commands``): each Lua script is one, the throttle's window is one.

A ceiling is raised only on purpose, with the reason in the commit.
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
from catalog.models import Product
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


# --- scenarios: each builds data for n items on fresh users and objects --------------------


def product_list(n):
    # Each product has its own seller and category (the factories' sub-factories).
    _products(n)
    return Call(
        client_for(UserFactory()), "get", "/api/v1/products/?page_size=100", 200,
        check=lambda r: len(r.json()["results"]) >= n,
    )  # fmt: skip


def product_list_search(n):
    for _ in range(n):
        ProductFactory(
            name=f"Copper kettle {next(_serial)}", description="Boils water."
        )
    return Call(
        client_for(UserFactory()), "get", "/api/v1/products/?search=kettle&page_size=100",
        200,
    )  # fmt: skip


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


@dataclass(frozen=True)
class Budget:
    scenario: Callable[[int], Call]
    many: int  # the "many items" run (the "few" one has 1)
    queries: int  # the ceiling of SQL statements, the same for 1 and for ``many``

    def __str__(self):
        return self.scenario.__name__


# The ceilings, per request (JWT requests: the user is read once).
BUDGETS = [
    # user; the planner's estimate, the count (bounded), the page
    Budget(product_list, 50, 4),
    Budget(product_list_search, 50, 4),
    Budget(product_list_category, 50, 6),  # + the category and the tree below it
    Budget(product_detail, 50, 2),  # user, product
    Budget(category_list, 50, 3),
    Budget(seller_list, 50, 3),
    Budget(cart_view, 20, 2),  # user, the cart's products
    # + the category tree, the coupon, its scope (products, categories; read twice)
    Budget(cart_view_with_coupon, 20, 8),
    Budget(cart_add, 20, 3),  # user, the product, the cart's products
    # The lock, the revision's key, the products locked, the order, its items, stock
    # and movements (each in bulk), the key; the mail: order and items, its claim.
    Budget(checkout, 10, 16),
    # + the category tree, the coupon (locked, validated, redeemed) and its scope
    Budget(checkout_with_coupon, 10, 27),
    Budget(order_list, 50, 4),  # user, count, orders, their items
    Budget(order_detail, 50, 3),  # user, order, its items
    Budget(coupon_list, 50, 5),
    Budget(catalog_page, 50, 4),  # no session: estimate, count, page, the menu
    Budget(catalog_page_search, 50, 4),
    Budget(cart_page, 20, 5),  # session, user, the cart's products, suggestions, menu
]


def _count(call: Call, capture) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx, capture(execute=True):
        call()
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("budget", BUDGETS, ids=str)
def test_sql_statements_do_not_grow_with_items_and_stay_under_the_ceiling(
    budget, django_capture_on_commit_callbacks
):
    """The endpoint runs as many SQL statements for many items as for one (no N+1),
    and no more than its ceiling."""
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        budget.scenario(1)()  # warm-up: sessions, content types, scripts settle
    one, one_sql = _count(budget.scenario(1), capture)
    many, many_sql = _count(budget.scenario(budget.many), capture)

    listing = "\n".join(many_sql)
    assert one == many, f"1 item: {one} statements, {budget.many}: {many}\n{listing}"
    assert one <= budget.queries, (
        f"{one} statements, ceiling {budget.queries}\n{listing}"
    )
    assert one > 0  # the request really went to the database


# --- Redis round trips -----------------------------------------------------------------------


def _warm(call: Call, capture) -> None:
    """A first request of the same kind: the Lua scripts are loaded into Redis."""
    with capture(execute=True):
        call()


def test_add_to_cart_is_two_round_trips(
    redis_round_trips, cart_commands, django_capture_on_commit_callbacks
):
    """The throttle's window and the add script, which answers with the cart as written
    (no second read)."""
    _warm(cart_add(1), django_capture_on_commit_callbacks)
    call = cart_add(3)
    redis_round_trips.clear()
    cart_commands.clear()
    call()
    assert len(redis_round_trips) <= 2, redis_round_trips
    assert len(cart_commands) <= 1, cart_commands


def test_viewing_a_cart_is_one_read_and_a_write_back_only_when_it_reconciles(
    redis_round_trips,
):
    """An unchanged cart: one read. A cart the catalog changed under (a new price): the
    read and one compare-and-set write; once written back, one read again."""

    def cart_of_three():
        user, products = UserFactory(), _products(3)
        cart_with([(p, 1) for p in products], user=user)
        return client_for(user), products[0]

    # Warm-up: a cart that reconciles (the read and the write scripts get loaded).
    client, product = cart_of_three()
    Product.objects.filter(pk=product.pk).update(price=Decimal("98.00"))
    client.get("/api/v1/cart/")

    client, product = cart_of_three()

    redis_round_trips.clear()
    assert client.get("/api/v1/cart/").json()["warnings"] == []
    assert len(redis_round_trips) <= 1, redis_round_trips

    Product.objects.filter(pk=product.pk).update(price=Decimal("99.00"))
    redis_round_trips.clear()
    warnings = client.get("/api/v1/cart/").json()["warnings"]
    assert [w["code"] for w in warnings] == ["price_changed"]
    assert len(redis_round_trips) <= 2, redis_round_trips

    redis_round_trips.clear()
    assert client.get("/api/v1/cart/").json()["warnings"] == []
    assert len(redis_round_trips) <= 1, redis_round_trips


@pytest.mark.parametrize("lines", [1, 10])
def test_checkout_is_at_most_three_round_trips(
    lines, redis_round_trips, django_capture_on_commit_callbacks
):
    """The throttle's window, the cart's read and, on commit, the take of what was
    ordered; as many for ten lines as for one."""
    _warm(checkout(1), django_capture_on_commit_callbacks)
    call = checkout(lines)
    redis_round_trips.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call()
    assert len(redis_round_trips) <= 3, redis_round_trips


def test_the_probes_cost_nothing_beyond_their_checks(
    client, redis_round_trips, django_assert_max_num_queries
):
    """/healthz touches neither store; /readyz asks each once."""
    client.get("/readyz")  # warm-up: the database connection is opened
    redis_round_trips.clear()
    with django_assert_max_num_queries(0):
        assert client.get("/healthz").status_code == 200
    assert redis_round_trips == []
    with django_assert_max_num_queries(1):
        assert client.get("/readyz").status_code == 200
    assert len(redis_round_trips) <= 1, redis_round_trips
