"""What one checkout costs, and that its cheaper paths answer and write what the plain
ones did: the body rendered from the order just written, products locked once, the
stock written in one statement, category lineage read only for a coupon."""

from decimal import Decimal

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cart.cart import Cart
from cart.services import cart_take_ordered
from cart.store import get_store
from catalog import cache as catalog_cache
from catalog.models import Product, StockMovement
from catalog.services import StockChange, stock_apply
from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.tests.factories import CouponFactory
from orders.api.serializers import PlacedOrderSerializer
from orders.models import Order
from orders.selectors import order_queryset
from orders.tests.carts import cart_with
from shop.statements import statement_sql

pytestmark = pytest.mark.django_db

ADDRESS = {"shipping_name": "Ada", "shipping_address": "1 Loop Road"}


def checkout(client, cart, **body):
    headers = {"HTTP_X_CART_TOKEN": cart.token} if cart.token else {}
    return client.post("/api/v1/orders/", {**ADDRESS, **body}, format="json", **headers)


def written(queries) -> list[str]:
    """Each captured query's SQL as written (a prepared statement's, not its EXECUTE)."""
    return [statement_sql(q["sql"]) for q in queries]


def product_locks(queries) -> list[str]:
    return [
        sql for sql in written(queries)
        if sql.startswith('SELECT "catalog_product"') and "FOR UPDATE" in sql
    ]  # fmt: skip


def test_guest_checkout_body_is_the_order_read_back(api_client):
    """The 201 body (rendered from the order just written) equals PlacedOrderSerializer of
    the order read back from the database: money strings, dates, items, order_token."""
    products = [
        ProductFactory(price=Decimal(p), stock=9) for p in ("9.99", "0.10", "120")
    ]
    cart = cart_with([(products[0], 2), (products[1], 1), (products[2], 3)])

    response = checkout(api_client, cart, email="guest@example.com")

    assert response.status_code == 201
    order = order_queryset().get(number=response.json()["number"])
    assert response.json() == PlacedOrderSerializer(order).data
    assert response.json()["order_token"] == order.access_token
    assert [i["line_total"] for i in response.json()["items"]] == [
        "19.98",
        "0.10",
        "360.00",
    ]
    assert response.json()["coupon_code"] is None


def test_user_checkout_with_coupon_body_is_the_order_read_back(
    customer, customer_client
):
    """With a coupon and a signed-in user (order_token null), the same equality holds."""
    category = CategoryFactory()
    product = ProductFactory(price=Decimal("33.33"), stock=5, category=category)
    coupon = CouponFactory(percent_off=Decimal("12.50"), categories=[category])
    cart_with([(product, 3)], coupon=coupon.code, user=customer)

    response = customer_client.post("/api/v1/orders/", ADDRESS, format="json")

    assert response.status_code == 201
    order = order_queryset().get(number=response.json()["number"])
    assert response.json() == PlacedOrderSerializer(order).data
    assert response.json()["order_token"] is None
    assert response.json()["coupon_code"] == coupon.code
    assert response.json()["discount"] == "12.50"


def test_checkout_locks_each_product_once_and_skips_lineage_without_coupon(
    api_client, django_capture_on_commit_callbacks
):
    """One FOR UPDATE over the products (stock_apply reuses those rows), no category query
    without a coupon, no read-back of the order; the stock and movements are written."""
    products = [ProductFactory(stock=5) for _ in range(3)]
    cart = cart_with([(p, 2) for p in products])

    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        response = checkout(api_client, cart, email="g@example.com")

    assert response.status_code == 201
    sqls = written(queries.captured_queries)
    assert len(product_locks(queries.captured_queries)) == 1
    assert not any('FROM "catalog_category"' in sql for sql in sqls)
    assert not any(sql.startswith('SELECT "orders_order"') for sql in sqls)
    assert sorted(Product.objects.values_list("stock", flat=True)) == [3, 3, 3]
    movements = StockMovement.objects.filter(reason=StockMovement.Reason.CHECKOUT)
    assert sorted(movements.values_list("delta", "stock_after")) == [(-2, 3)] * 3
    assert len(mail.outbox) == 1
    assert products[0].name in mail.outbox[0].body


def test_checkout_with_coupon_reads_the_lineage(customer, customer_client):
    """A category-scoped coupon still sees the product's category ancestors."""
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    product = ProductFactory(price=Decimal("10.00"), stock=5, category=child)
    coupon = CouponFactory(percent_off=Decimal("50.00"), categories=[parent])
    cart_with([(product, 1)], coupon=coupon.code, user=customer)

    with CaptureQueriesContext(connection) as queries:
        response = customer_client.post("/api/v1/orders/", ADDRESS, format="json")

    assert response.status_code == 201
    assert response.json()["discount"] == "5.00"
    assert any('FROM "catalog_category"' in q["sql"] for q in queries.captured_queries)


def test_stock_apply_with_locked_rows_reads_nothing_again():
    """Given rows the caller locked, stock_apply neither locks nor reads them again, and
    writes every new stock and its movement in one statement."""
    products = [ProductFactory(stock=10) for _ in range(3)]
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Product.objects.select_for_update().filter(
                pk__in=[p.pk for p in products]
            )
        }
        with CaptureQueriesContext(connection) as queries:
            stock_apply(
                changes=[StockChange(p.pk, -i - 1) for i, p in enumerate(products)],
                reason=StockMovement.Reason.ADJUSTMENT,
                locked=locked,
            )

    assert product_locks(queries.captured_queries) == []
    statements = [
        sql for sql in written(queries.captured_queries) if "SAVEPOINT" not in sql
    ]
    # The new stocks and their movements: one statement.
    assert len(statements) == 1 and "UPDATE" in statements[0]
    assert "INSERT" in statements[0]
    assert [Product.objects.get(pk=p.pk).stock for p in products] == [9, 8, 7]
    movements = StockMovement.objects.filter(product__in=products).order_by(
        "product_id"
    )
    assert [
        (m.delta, m.stock_after, m.reason, m.user_id, m.order_id) for m in movements
    ] == [
        (-1, 9, "adjustment", None, None),
        (-2, 8, "adjustment", None, None),
        (-3, 7, "adjustment", None, None),
    ]
    assert len({m.created_at for m in movements}) == 1


def test_stock_apply_locks_rows_the_caller_did_not_pass():
    """A ``locked`` map missing one of the products is not trusted: all are locked."""
    first, second = ProductFactory(stock=4), ProductFactory(stock=4)
    with transaction.atomic():
        locked = {first.pk: Product.objects.select_for_update().get(pk=first.pk)}
        with CaptureQueriesContext(connection) as queries:
            stock_apply(
                changes=[StockChange(first.pk, -1), StockChange(second.pk, -4)],
                reason=StockMovement.Reason.ADJUSTMENT,
                locked=locked,
            )

    assert len(product_locks(queries.captured_queries)) == 1
    assert Product.objects.get(pk=first.pk).stock == 3
    assert Product.objects.get(pk=second.pk).stock == 0
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_checkout_takes_the_owner_lock_once(api_client):
    """Outside a transaction the owner's session lock is held for the whole checkout, so
    the transaction-level lock (which would add nothing) is not taken as well."""
    cart = cart_with([(ProductFactory(stock=3), 1)])

    with CaptureQueriesContext(connection) as queries:
        response = checkout(api_client, cart, email="g@example.com")

    assert response.status_code == 201
    sqls = written(queries.captured_queries)
    # The owner's lock is keyed by hashtext(owner); the confirmation mail's lock (its
    # send runs within the request in the tests) is another.
    owner_lock = [sql for sql in sqls if "hashtext" in sql]
    assert sum("pg_advisory_lock(" in sql for sql in owner_lock) == 1
    assert sum("pg_advisory_unlock(" in sql for sql in owner_lock) == 1
    assert not any("pg_advisory_xact_lock" in sql for sql in sqls)


@pytest.mark.django_db(transaction=True)
def test_guest_checkout_reads_the_cart_once_and_writes_it_once(
    api_client, redis_round_trips
):
    """A token cart's existence is read with its lines (no EXISTS of its own): the
    throttle's window sent with the snapshot (one round trip), and one script taking
    what was ordered out of the cart that also replaces the catalog's version token
    (stock changed)."""
    cart = cart_with([(ProductFactory(stock=3), 1)])
    catalog_cache.start_version()
    before = catalog_cache.cache.get(catalog_cache.VERSION_KEY)
    redis_round_trips.clear()

    response = checkout(api_client, cart, email="g@example.com")

    assert response.status_code == 201
    assert redis_round_trips == ["EVALSHA+HGETALL", "EVALSHA"]
    assert not get_store().exists(cart.id)  # nothing else in it: the cart is gone
    after = catalog_cache.cache.get(catalog_cache.VERSION_KEY)
    assert isinstance(after, int) and after != before


def test_unknown_cart_token_is_404_before_a_bad_body(api_client):
    """The existence check moved into the snapshot; a bad body still answers 404 first
    for an unknown token, and 400 for a known one."""
    unknown = api_client.post(
        "/api/v1/orders/", {"email": "x"}, format="json", HTTP_X_CART_TOKEN="x" * 32
    )
    cart = cart_with([(ProductFactory(stock=3), 1)])
    known = checkout(api_client, cart, email="not an email")

    assert unknown.status_code == 404 and unknown.json()["code"] == "cart_not_found"
    assert known.status_code == 400 and list(known.json()) == ["email"]
    assert Order.objects.count() == 0


def test_unknown_cart_token_with_valid_body_writes_nothing(api_client):
    response = api_client.post(
        "/api/v1/orders/",
        {"email": "g@example.com", **ADDRESS},
        format="json",
        HTTP_X_CART_TOKEN="y" * 32,
    )

    assert response.status_code == 404 and response.json()["code"] == "cart_not_found"
    assert Order.objects.count() == 0 and StockMovement.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{", "application/json", 400, "parse_error"),
        ("email=a", "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_unknown_cart_token_is_404_before_an_unreadable_body(
    api_client, body, content_type, status, code
):
    """Malformed JSON (400) or an unsupported type (415) of a body: an unknown token's
    404 still comes first; a known cart's request gets the body's own answer."""
    unknown = api_client.generic(
        "POST", "/api/v1/orders/", body, content_type, HTTP_X_CART_TOKEN="z" * 32
    )
    cart = cart_with([(ProductFactory(stock=3), 1)])
    known = api_client.generic(
        "POST", "/api/v1/orders/", body, content_type, HTTP_X_CART_TOKEN=cart.token
    )

    assert unknown.status_code == 404 and unknown.json()["code"] == "cart_not_found"
    assert known.status_code == status and known.json()["code"] == code
    assert Order.objects.count() == 0


def test_a_line_added_while_checking_out_stays_in_the_cart(
    api_client, monkeypatch, django_capture_on_commit_callbacks
):
    """Another tab adds to the cart after the checkout read it: the order has what was
    read, and only that leaves the cart; the new line and the extra quantity stay."""
    from shop import statements

    ordered, added = ProductFactory(stock=9), ProductFactory(stock=9)
    cart = cart_with([(ordered, 1)])
    lock = statements.lock_by_pk

    def lock_then_another_tab_adds(model, pks):
        get_store().add(cart.id, ordered.pk, 2, ordered.price)
        get_store().add(cart.id, added.pk, 2, added.price)
        return lock(model, pks)

    monkeypatch.setattr("orders.services.lock_by_pk", lock_then_another_tab_adds)

    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(api_client, cart, email="g@example.com")

    assert response.status_code == 201
    assert [(i["product_id"], i["quantity"]) for i in response.json()["items"]] == [
        (ordered.pk, 1)
    ]
    left = get_store().snapshot(cart.id)
    assert sorted((line.product_id, line.quantity) for line in left.lines) == [
        (ordered.pk, 2),
        (added.pk, 2),
    ]


@pytest.mark.django_db(transaction=True)  # the token is replaced after the commit
def test_a_product_page_cached_before_a_checkout_shows_the_stock_after_it(
    api_client, settings
):
    """The checkout replaces the catalog's token in its cart's take: a cached product
    page is not served with the stock from before."""
    if catalog_cache.version_key() is None:
        pytest.skip("needs the catalog cache on Redis")
    product = ProductFactory(stock=5)
    url = f"/api/v1/products/{product.pk}/"
    for _ in range(3):  # the first makes a token, the second stores the page
        assert api_client.get(url).json()["stock"] == 5

    response = checkout(api_client, cart_with([(product, 2)]), email="g@example.com")

    assert response.status_code == 201
    assert api_client.get(url).json()["stock"] == 3


@pytest.mark.django_db
def test_taking_from_a_cart_that_was_never_written_still_replaces_the_token():
    """No cart to take from (a session cart never written): the token is replaced all
    the same, as catalog_changed would."""
    catalog_cache.start_version()
    before = catalog_cache.cache.get(catalog_cache.VERSION_KEY)

    cart_take_ordered(
        cart=Cart.for_session(SessionStore()),
        lines=[],
        coupon=None,
        catalog_changed=True,
    )

    assert catalog_cache.cache.get(catalog_cache.VERSION_KEY) != before
