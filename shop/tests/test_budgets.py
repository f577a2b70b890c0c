"""The budget suite: what the hot paths may cost, as ceilings. The one place where SQL
statements and Redis round trips are counted; behaviour tests never count them.

SQL: each scenario builds its data for ``n`` items and returns the request to make. The
items are products, variants (a product of 1 or of 50 variants, a cart or an order of
1 or many variant lines) and images (1 or 20 per product). A warm-up request lets
sessions, content types and Lua script loading settle; then one request with few items
and one with many, each on data of its own, are counted. They must run the same number
of statements (nothing grows with the items: no N+1), and that number must stay within
the scenario's ceiling. Work a request queues for its commit (the checkout's take from
the cart, its confirmation mail) runs and is counted with it. A page showing pictures is
counted on its second request: its thumbnails are made once, on the first.

Redis: round trips are counted on the wire (the root conftest's ``redis_round_trips`` and
``cart_commands``): each Lua script is one, the throttle's window is one.

A ceiling is raised only on purpose, with the reason in the commit.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from catalog.models import Variant
from conftest import client_for
from orders.tests.carts import cart_with
from shop.tests.scenarios import (
    Call,
    cart_add,
    cart_add_product,
    cart_page,
    cart_view,
    cart_view_variants,
    cart_view_with_coupon,
    catalog_page,
    catalog_page_search,
    catalog_page_variants,
    category_list,
    checkout,
    checkout_products,
    checkout_with_coupon,
    checkout_with_shipping,
    coupon_list,
    order_detail,
    order_list,
    plain_products,
    product_detail,
    product_detail_variants,
    product_list,
    product_list_category,
    product_list_option,
    product_list_search,
    product_list_variants,
    product_page,
    seller_list,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Budget:
    scenario: Callable[[int], Call]
    many: int  # the "many items" run (the "few" one has 1)
    queries: int  # the ceiling of SQL statements, the same for 1 and for ``many``

    def __str__(self):
        return self.scenario.__name__


# The ceilings, per request (JWT requests: the user is read once).
BUDGETS = [
    # user; the planner's estimate, the count (bounded), the page; the page's options,
    # variants and images (one query each, however many)
    Budget(product_list, 50, 7),
    Budget(product_list_variants, 50, 7),
    Budget(product_list_option, 50, 7),
    Budget(product_list_search, 50, 8),  # + the SKU looked up
    Budget(product_list_category, 50, 9),  # + the category and the tree below it
    Budget(product_detail, 50, 5),  # user, product; its options, variants, images
    Budget(product_detail_variants, 50, 5),
    Budget(category_list, 50, 3),
    Budget(seller_list, 50, 3),
    Budget(cart_view, 20, 2),  # user, the cart's variants (with their products)
    Budget(cart_view_variants, 50, 2),
    # + the category tree, the coupon, its scope (products, categories)
    Budget(cart_view_with_coupon, 20, 6),
    Budget(cart_add, 20, 3),  # user, the variant, the cart's variants
    Budget(cart_add_product, 20, 3),  # user, the product's variant, the cart's
    # The lock, the revision's key, the variants locked, the order, its items, stock
    # and movements (each in bulk), the key; the mail: order and items, its claim;
    # whether the shop ships (the old body is refused once it does); the response's
    # refunds and their lines.
    Budget(checkout, 10, 19),
    Budget(checkout_products, 10, 19),
    # + the category tree, the coupon (locked, validated, redeemed) and its scope
    Budget(checkout_with_coupon, 10, 30),
    # An address and a method: the method (active, of the country's zone: it stands for
    # "the shop ships") and the country's tax rate instead of the shop-ships check.
    Budget(checkout_with_shipping, 10, 20),
    # user, count, orders (with payments), their items, refunds, refund lines
    Budget(order_list, 50, 6),
    Budget(order_detail, 50, 5),  # user, order (and payment), items, refunds, lines
    Budget(coupon_list, 50, 5),
    # No session: the option filters' values, estimate, count, page; its options,
    # variants, images; the menu
    Budget(catalog_page, 50, 8),
    Budget(catalog_page_variants, 50, 8),
    Budget(catalog_page_search, 50, 9),  # + the SKU looked up
    # The product (and seller), its options, variants, images; the menu
    Budget(product_page, 50, 5),
    Budget(cart_page, 20, 5),  # session, user, the cart's variants, suggestions, menu
]


def _count(call: Call, capture) -> tuple[int, list[str]]:
    if call.primed:
        call()
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
        user, products = UserFactory(), plain_products(3)
        cart_with([(p, 1) for p in products], user=user)
        return client_for(user), products[0]

    # Warm-up: a cart that reconciles (the read and the write scripts get loaded).
    client, product = cart_of_three()
    Variant.objects.filter(product=product).update(price=Decimal("98.00"))
    client.get("/api/v1/cart/")

    client, product = cart_of_three()

    redis_round_trips.clear()
    assert client.get("/api/v1/cart/").json()["warnings"] == []
    assert len(redis_round_trips) <= 1, redis_round_trips

    Variant.objects.filter(product=product).update(price=Decimal("99.00"))
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


@pytest.mark.parametrize("page", [product_page, cart_page])
def test_pictures_cost_no_round_trip_each(page, redis_round_trips):
    """A page shows one picture or twenty for the same Redis round trips: a thumbnail,
    once made, is found in the process's own record of them (THUMBNAIL_CACHE), not
    looked up in Redis one by one."""
    counts = []
    for n in (1, 20):
        call = page(n)
        call()  # the thumbnails are made
        redis_round_trips.clear()
        call()
        counts.append(len(redis_round_trips))
    assert counts[0] == counts[1], (counts, redis_round_trips)


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
