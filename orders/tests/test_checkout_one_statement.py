"""A coupon-free checkout outside any transaction is written by one statement
(orders.order_write): what it writes, and that every line it cannot take as priced sends
the checkout the long way, which re-reads under locks, with nothing of the first attempt
left behind. These tests commit (transaction=True): inside a test's transaction the
checkout always takes the long way."""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django_redis import get_redis_connection
from redis.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from cart.cart import new_token
from cart.store import get_store
from catalog.models import Product, StockMovement
from catalog.tests.factories import ProductFactory
from conftest import client_for
from coupons.models import Coupon, CouponRedemption
from orders import services
from orders.api.serializers import PlacedOrderSerializer
from orders.models import IdempotencyKey, Order, OrderItem
from orders.selectors import order_queryset
from orders.services import order_place
from orders.tests.carts import cart_with
from orders.tests.factories import OrderFactory
from shop.exceptions import CheckoutConflict
from shop.statements import statement_sql

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {"shipping_name": "Ada", "shipping_address": "1 Loop Road"}
URL = "/api/v1/orders/"


def place(cart, **extra):
    return order_place(cart=cart, email="ada@example.com", **ADDRESS, **extra)


def statements(queries) -> list[str]:
    return [statement_sql(q["sql"]) for q in queries]


def is_one_write(sql: str) -> bool:
    return 'UPDATE "catalog_product"' in sql and 'INSERT INTO "orders_order"' in sql


def test_a_cart_without_coupon_is_written_by_one_statement(settings):
    settings.SHOP_MAIL_WORKER = True  # the confirmation's statements are not this
    cheap = ProductFactory(price=Decimal("2.50"), stock=5, name="Cheap")
    dear = ProductFactory(price=Decimal("10.00"), stock=3, name="Dear")
    cart = cart_with([(dear, 2), (cheap, 3)])

    with CaptureQueriesContext(connection) as queries:
        placed = place(cart)

    sqls = statements(queries)
    # The owner's lock, the write, the unlock: no row lock or read of its own.
    assert len(sqls) == 3, sqls
    assert "pg_advisory_lock" in sqls[0] and "pg_advisory_unlock" in sqls[2]
    assert is_one_write(sqls[1])
    order = Order.objects.get()
    assert placed.created and placed.order.pk == order.pk
    assert order.subtotal == Decimal("27.50") and order.status == Order.Status.PENDING
    # Items named after their products, in the order written, their keys set.
    assert [(i.pk, i.product_name, i.quantity) for i in placed.items] == list(
        order.items.values_list("pk", "product_name", "quantity")
    )
    assert sorted((i.product_name, i.line_total) for i in placed.items) == [
        ("Cheap", Decimal("7.50")),
        ("Dear", Decimal("20.00")),
    ]
    assert Product.objects.get(pk=cheap.pk).stock == 2
    assert Product.objects.get(pk=dear.pk).stock == 1
    moves = StockMovement.objects.filter(order=order).order_by("product_id")
    assert [(m.product_id, m.delta, m.stock_after, m.reason) for m in moves] == sorted(
        [(cheap.pk, -3, 2, "checkout"), (dear.pk, -2, 1, "checkout")]
    )
    assert all(m.note == f"Order {order.number}" for m in moves)
    assert not get_store().exists(cart.id)  # what was ordered left the cart


def test_a_price_changed_since_the_line_was_added_is_charged_as_it_is_now():
    product = ProductFactory(price=Decimal("4.00"), stock=5)
    cart = cart_with([(product, 2)])
    Product.objects.filter(pk=product.pk).update(price=Decimal("5.00"))

    placed = place(cart)

    order = Order.objects.get()
    assert placed.order.pk == order.pk and order.subtotal == Decimal("10.00")
    assert OrderItem.objects.get().unit_price == Decimal("5.00")
    # Nothing of the first attempt: one order, one movement, the stock taken once.
    assert StockMovement.objects.filter(reason="checkout").count() == 1
    assert Product.objects.get(pk=product.pk).stock == 3


@pytest.mark.parametrize(
    ("change", "code", "available"),
    [
        ({"stock": 1}, "insufficient_stock", 1),
        ({"stock": 0}, "out_of_stock", 0),
        ({"is_active": False}, "product_unavailable", 0),
        (None, "product_unavailable", 0),  # deleted
    ],
)
def test_a_line_the_statement_cannot_take_is_a_problem_and_nothing_is_written(
    change, code, available
):
    fine = ProductFactory(stock=9)
    troubled = ProductFactory(stock=5)
    cart = cart_with([(fine, 1), (troubled, 2)])
    if change is None:
        Product.objects.filter(pk=troubled.pk).delete()
    else:
        Product.objects.filter(pk=troubled.pk).update(**change)

    with pytest.raises(CheckoutConflict) as raised:
        place(cart)

    [problem] = raised.value.extra["problems"]
    assert (problem["product_id"], problem["code"]) == (troubled.pk, code)
    assert problem["available"] == available
    assert not Order.objects.exists() and not OrderItem.objects.exists()
    assert not StockMovement.objects.filter(reason="checkout").exists()
    assert Product.objects.get(pk=fine.pk).stock == 9
    assert len(get_store().snapshot(cart.id).lines) == 2  # the cart is kept


def test_a_cart_with_a_coupon_takes_the_long_way():
    Coupon.objects.create(code="FIVE", amount_off=Decimal("5.00"))
    product = ProductFactory(price=Decimal("20.00"), stock=4)
    cart = cart_with([(product, 1)], coupon="FIVE")

    with CaptureQueriesContext(connection) as queries:
        placed = place(cart)

    assert placed.order.discount == Decimal("5.00")
    assert CouponRedemption.objects.filter(order=placed.order).exists()
    assert any("FOR UPDATE" in sql for sql in statements(queries))
    assert not any(is_one_write(sql) for sql in statements(queries))


def test_a_key_is_recorded_by_the_statement_and_a_repeat_gets_the_first_order(settings):
    settings.SHOP_MAIL_WORKER = True
    product = ProductFactory(stock=4)
    cart = cart_with([(product, 1)])

    with CaptureQueriesContext(connection) as queries:
        first = place(cart, idempotency_key="k-1")
    again = place(cart, idempotency_key="k-1")

    assert [is_one_write(sql) for sql in statements(queries)] == [
        False, False, True, False  # lock, the key looked up, the write, unlock
    ]  # fmt: skip
    assert first.created and not again.created
    assert again.order.pk == first.order.pk
    assert IdempotencyKey.objects.get().order_id == first.order.pk
    assert Product.objects.get(pk=product.pk).stock == 3


def test_a_key_a_twin_recorded_after_the_look_up_answers_with_the_twins_order(
    monkeypatch,
):
    """The key looked up before the write was free, and a twin (another process, no
    owner lock in common) recorded it meanwhile: the statement fails on the key, and
    nothing of it is left; the long way answers with the twin's order."""
    product = ProductFactory(stock=4)
    cart = cart_with([(product, 1)])
    twin = OrderFactory()
    IdempotencyKey.objects.create(owner=cart.owner, key="k-2", order=twin)
    looked_up = services.order_for_idempotency_key
    misses = iter([True])

    def missed_once(**kwargs):
        return None if next(misses, False) else looked_up(**kwargs)

    monkeypatch.setattr(services, "order_for_idempotency_key", missed_once)

    placed = place(cart, idempotency_key="k-2")

    assert not placed.created and placed.order.pk == twin.pk
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 4
    assert not StockMovement.objects.filter(reason="checkout").exists()


def test_a_deferred_throttle_counts_in_the_cart_read(settings, client):
    """The checkout's throttle step runs in its read of the cart: a full window is a 429
    before anything is written, and a body refused before the read still counts."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "checkout": "2/min"
        },
    }  # fmt: skip
    product = ProductFactory(stock=4)
    cart = cart_with([(product, 1)])
    headers = {"HTTP_X_CART_TOKEN": cart.token}
    url = "/api/v1/orders/"
    body = {"email": "ada@example.com", **ADDRESS}

    codes = [
        client.post(url, {}, content_type="application/json", **headers).status_code,
        client.post(url, body, content_type="application/json", **headers).status_code,
        client.post(url, body, content_type="application/json", **headers).status_code,
    ]

    assert codes == [400, 201, 429]
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 3


def checkout_throttled_at(settings, rate: str) -> None:
    settings.SHOP_MAIL_WORKER = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "checkout": rate
        },
    }  # fmt: skip


def counted() -> int:
    """Requests the checkout throttle's windows hold."""
    redis = get_redis_connection("default")
    return sum(redis.zcard(k) for k in redis.scan_iter("*throttle_checkout*"))


@pytest.mark.parametrize("who", ["user", "guest"])
def test_a_repeated_key_gets_its_order_while_redis_is_down(settings, monkeypatch, who):
    """The key is looked up before the cart is read: a client that lost the answer to
    its checkout gets its order from the database alone (the throttle fails open)."""
    checkout_throttled_at(settings, "10/min")
    product = ProductFactory(stock=3)
    if who == "user":
        user = UserFactory()
        cart_with([(product, 1)], user=user)
        client, headers = client_for(user), {}
    else:
        cart = cart_with([(product, 1)])
        client, headers = APIClient(), {"HTTP_X_CART_TOKEN": cart.token}
    body = {"email": "ada@example.com", **ADDRESS}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k", **headers)
    assert first.status_code == 201

    def refused(*args, **kwargs):
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(AbstractConnection, "connect", refused)
    monkeypatch.setattr(AbstractConnection, "send_packed_command", refused)
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k", **headers)

    assert again.status_code == 201 and again.json() == first.json()


def test_a_checkout_refused_by_a_database_outage_still_counts(settings, monkeypatch):
    """Ended before its read of the cart (the owner's lock failed): the throttle's step
    still runs, and a full window answers 429 as it did before the view."""
    checkout_throttled_at(settings, "2/min")

    @contextmanager
    def database_down(owner):
        raise OperationalError("the database is down")
        yield  # pragma: no cover

    monkeypatch.setattr(services, "_checkout_session_lock", database_down)
    cart = cart_with([(ProductFactory(stock=3), 1)])
    body = {"email": "ada@example.com", **ADDRESS}
    headers = {"HTTP_X_CART_TOKEN": cart.token}

    codes = [
        APIClient().post(URL, body, format="json", **headers).status_code
        for _ in range(3)
    ]

    assert codes == [503, 503, 429]


def test_every_way_a_checkout_ends_counts_it_once(settings):
    checkout_throttled_at(settings, "100/min")
    product = ProductFactory(stock=3, price=Decimal("5.00"))
    cart, empty, big = (
        cart_with([(product, 1)]),
        cart_with([]),
        cart_with([(product, 5)]),
    )
    body = {"email": "ada@example.com", **ADDRESS}

    def post(token=None, key=None, data=body):
        headers = {"HTTP_X_CART_TOKEN": token} if token else {}
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return APIClient().post(URL, data, format="json", **headers).status_code

    codes = [
        post(cart.token, key=" "),  # a bad key
        post(cart.token, data={}),  # a bad body
        post(None),  # no cart
        post(new_token()),  # an unknown cart
        post(empty.token),  # an empty cart
        post(big.token),  # a conflict
        post(cart.token, key="k1"),  # placed
        post(cart.token, key="k1"),  # its repeat (the guest's cart is gone)
    ]
    repriced = cart_with([(product, 1)])
    Product.objects.filter(pk=product.pk).update(price=Decimal("6.00"))
    codes.append(post(repriced.token))  # the long way after the statement failed

    assert codes == [400, 400, 401, 404, 400, 409, 201, 201, 201]
    assert counted() == len(codes)


@pytest.mark.parametrize("who", ["guest", "user"])
def test_the_answer_of_the_one_statement_is_the_order_read_back(settings, who):
    """The 201 body, rendered from the order and items the statement wrote, equals the
    order read back from the database: money strings, dates, items, order_token."""
    settings.SHOP_MAIL_WORKER = True
    products = [
        ProductFactory(price=Decimal(p), stock=9, name=f"P{p}")
        for p in ("9.99", "0.10", "120")
    ]
    lines = [(products[0], 2), (products[1], 1), (products[2], 3)]
    body = {"email": "ada@example.com", **ADDRESS}
    if who == "user":
        user = UserFactory()
        cart_with(lines, user=user)
        response = client_for(user).post(URL, body, format="json")
    else:
        cart = cart_with(lines)
        response = APIClient().post(
            URL, body, format="json", HTTP_X_CART_TOKEN=cart.token
        )

    assert response.status_code == 201
    order = order_queryset().get(number=response.json()["number"])
    assert response.json() == PlacedOrderSerializer(order).data
    assert sorted((i["product_name"], i["line_total"]) for i in response.json()["items"]) == [
        ("P0.10", "0.10"), ("P120", "360.00"), ("P9.99", "19.98")
    ]  # fmt: skip
    assert (response.json()["order_token"] is None) == (who == "user")
