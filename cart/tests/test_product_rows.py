"""The cart keeps product rows while the catalog's version token is unchanged: repeated
reads cost no query, and every kind of catalog write is seen by the next read."""

from decimal import Decimal

import pytest

from cart import product_rows
from cart.store import get_store
from catalog.models import Product, StockMovement
from catalog.services import stock_adjust
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

CHECKOUT = {"shipping_name": "Ann", "shipping_address": "1 Road", "email": "a@b.test"}


@pytest.fixture(autouse=True)
def _needs_redis(settings):
    if not settings.REDIS_URL:
        pytest.skip("the token lives in Redis: without it nothing is kept")


@pytest.fixture
def shopper(api_client):
    """A token cart's client (a JWT client would add its user's query to each count)."""
    token = api_client.post("/api/v1/carts/").json()["token"]
    api_client.credentials(HTTP_X_CART_TOKEN=token)
    return api_client


def view(client) -> dict:
    response = client.get("/api/v1/cart/")
    assert response.status_code == 200
    return response.json()


def add(client, product, quantity=1):
    response = client.post(
        "/api/v1/cart/items/",
        {"product_id": product.pk, "quantity": quantity},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_second_read_costs_no_query(shopper, django_assert_num_queries):
    products = [ProductFactory(stock=5) for _ in range(3)]
    for product in products:
        add(shopper, product)
    first = view(shopper)

    with django_assert_num_queries(0):
        again = view(shopper)
        add(shopper, products[0])

    assert again == first


def test_a_price_change_is_seen_by_the_next_read(shopper):
    product = ProductFactory(price=Decimal("10.00"), stock=5)
    add(shopper, product)
    view(shopper)

    product.price = Decimal("12.50")
    product.save()

    [item] = view(shopper)["items"]
    assert item["unit_price"] == "12.50"
    assert item["price_changed"] is True


def test_a_stock_change_through_the_stock_service_is_seen(shopper):
    """The stock service writes with one raw UPDATE (no model signal): it replaces the
    token itself."""
    product = ProductFactory(stock=5)
    add(shopper, product, 4)
    view(shopper)

    stock_adjust(product=product, delta=-3, reason=StockMovement.Reason.ADJUSTMENT)

    [item] = view(shopper)["items"]
    assert (item["quantity"], item["available"], item["status"]) == (2, 2, "reduced")


@pytest.mark.parametrize("write", ["archive", "delete"])
def test_a_product_archived_or_deleted_leaves_the_cart_at_the_next_read(shopper, write):
    kept, gone = ProductFactory(stock=5), ProductFactory(stock=5)
    add(shopper, kept)
    add(shopper, gone)
    view(shopper)

    if write == "archive":
        gone.is_active = False
        gone.save()
    else:
        gone.delete()

    cart = view(shopper)
    assert [item["product_id"] for item in cart["items"]] == [kept.pk]
    assert [w["code"] for w in cart["warnings"]] == ["product_unavailable"]


def test_an_add_of_a_product_created_after_the_rows_were_kept(shopper):
    """An id first seen as no product is kept as such: a product created with that id
    later changes the token, so it is found."""
    first = ProductFactory(stock=5)
    add(shopper, first)
    unknown = Product.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    response = shopper.post(
        "/api/v1/cart/items/", {"product_id": unknown, "quantity": 1}, format="json"
    )
    assert response.status_code == 404

    created = ProductFactory(pk=unknown, stock=5)

    assert {i["product_id"] for i in add(shopper, created)["items"]} == {
        first.pk,
        created.pk,
    }


def test_with_the_cache_off_every_read_queries(
    shopper, settings, django_assert_num_queries
):
    settings.SHOP_CATALOG_CACHE_SECONDS = 0
    add(shopper, ProductFactory(stock=5))
    view(shopper)

    with django_assert_num_queries(1):
        view(shopper)


def test_rows_are_read_again_once_older_than_the_cache_lifetime(
    shopper, settings, monkeypatch, django_assert_num_queries
):
    """The lifetime bounds how long a write the token missed (raw SQL) goes unseen."""
    settings.SHOP_CATALOG_CACHE_SECONDS = 30
    product = ProductFactory(stock=5)
    add(shopper, product, 2)
    view(shopper)
    Product.objects.filter(pk=product.pk).update(stock=1)  # no signal, no new token
    assert view(shopper)["items"][0]["available"] == 5  # within the lifetime: kept

    now = product_rows._clock()
    monkeypatch.setattr(product_rows, "_clock", lambda: now + 31)

    with django_assert_num_queries(1):
        [item] = view(shopper)["items"]
    assert (item["available"], item["quantity"]) == (1, 1)


def test_without_a_token_the_read_queries_and_starts_one(
    shopper, django_assert_num_queries
):
    """After Redis lost the token (flushed, restarted), reads go to the database until a
    new token exists; the first read makes one, the next keeps rows under it."""
    from django_redis import get_redis_connection

    from catalog.cache import version_key

    add(shopper, ProductFactory(stock=5))
    get_redis_connection("default").delete(version_key())

    with django_assert_num_queries(1):
        view(shopper)
    with django_assert_num_queries(1):
        view(shopper)
    with django_assert_num_queries(0):
        view(shopper)


def test_checkout_never_trusts_kept_rows(shopper):
    """Checkout locks and reads its products in the database: stock sold by a write the
    token missed is still refused."""
    product = ProductFactory(stock=5)
    add(shopper, product, 2)
    view(shopper)
    Product.objects.filter(pk=product.pk).update(stock=1)  # unseen by the kept rows

    response = shopper.post("/api/v1/orders/", CHECKOUT, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "checkout_conflict"
    [problem] = response.json()["problems"]
    assert (problem["requested"], problem["available"]) == (2, 1)
    assert Product.objects.get(pk=product.pk).stock == 1


def test_rows_read_under_an_old_token_never_fill_a_newer_ones(monkeypatch):
    """Two threads: one read the old token and queries slowly; meanwhile a write commits
    and another reads the new token and starts the new rows. The slow one's rows (which
    may predate the write) go to the old token's rows only."""
    product = ProductFactory(price=Decimal("1.00"))
    real_query = product_rows._query
    stale = real_query([product.pk])  # what the slow reader saw before the write

    def slow_query(ids):
        # The write commits and a newer reader runs while this query is "in flight".
        Product.objects.filter(pk=product.pk).update(price=Decimal("2.00"))
        monkeypatch.setattr(product_rows, "_query", real_query)
        fresh = product_rows.product_rows([product.pk], version=b"new")
        assert fresh[product.pk].price == Decimal("2.00")
        return stale

    monkeypatch.setattr(product_rows, "_query", slow_query)
    old = product_rows.product_rows([product.pk], version=b"old")

    assert old[product.pk].price == Decimal("1.00")
    newer = product_rows.product_rows([product.pk], version=b"new")
    assert newer[product.pk].price == Decimal("2.00")


def test_kept_rows_are_bounded(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(product_rows, "MAX_ROWS", 4)
    products = [ProductFactory() for _ in range(10)]
    for product in products:
        product_rows.product_rows([product.pk], version=b"v")
        assert len(product_rows._kept.rows) <= 4
    with django_assert_num_queries(0):
        product_rows.product_rows([products[-1].pk], version=b"v")


def test_the_token_is_read_in_the_snapshots_round_trip():
    """``snapshot(also=key)`` returns the key's raw value with the cart, also for a cart
    that does not exist; a missing key reads as None."""
    store = get_store()
    client = store.client
    client.set("test:also", b"token-1")
    store.add("anon:also", 1, 2, Decimal("3.00"))

    snapshot = store.snapshot("anon:also", also="test:also")
    missing = store.snapshot("anon:nobody", also="test:also")
    unset = store.snapshot("anon:also", also="test:unset")

    assert snapshot.also == b"token-1"
    assert snapshot._replace(also=None) == store.snapshot("anon:also")
    assert (missing.exists, missing.also) == (False, b"token-1")
    assert unset.also is None and unset.exists


def test_a_failed_round_trip_leaves_no_reply_behind():
    """An error reply (the cart key holding a string) drops the connection instead of
    leaving the GET's reply unread for the next command on it."""
    import redis

    store = get_store()
    store.client.set("cart:anon:wrongtype", "x")
    store.client.set("test:also", "v")

    with pytest.raises(redis.ResponseError):
        store.snapshot("anon:wrongtype", also="test:also")

    assert store.client.ping() is True
    assert store.client.get("test:also") == b"v"


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
def test_the_snapshot_with_a_token_is_the_same_on_any_client(
    settings, protocol, decode
):
    """RESP2 (a flat list) or RESP3 (a map), decoding replies or not: the same snapshot,
    and the token's raw bytes (a pickled value is not text)."""
    import pickle

    import redis

    from cart.store import RedisCartStore

    client = redis.Redis.from_url(
        settings.REDIS_URL, protocol=protocol, decode_responses=decode
    )
    store, reference = RedisCartStore(client), get_store()
    token = pickle.dumps("a-version")
    reference.client.set("test:token", token)
    for product_id in (3, 1, 2):
        reference.add("anon:resp", product_id, product_id, Decimal("1.50"))
    reference.set_coupon("anon:resp", "SAVE")

    snapshot = store.snapshot("anon:resp", also="test:token")

    assert snapshot == reference.snapshot("anon:resp")._replace(also=token)
    client.close()


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
def test_the_add_and_read_is_the_same_on_any_client(settings, protocol, decode):
    """The add's one step answers alike on RESP2 and RESP3, decoding or not, and the
    version as raw bytes (a pickled value is not text)."""
    import pickle

    import redis

    from cart.store import RedisCartStore

    client = redis.Redis.from_url(
        settings.REDIS_URL, protocol=protocol, decode_responses=decode
    )
    store, reference = RedisCartStore(client), get_store()
    token = pickle.dumps("a-version")
    reference.client.set("test:token", token)
    reference.add("anon:resp2", 1, 1, Decimal("1.50"))
    reference.set_coupon("anon:resp2", "SAVE")

    added = store.add_and_read(
        "anon:resp2", 2, 3, Decimal("2.25"), version_key="test:token",
        expected_version=token,
    )  # fmt: skip

    assert added.quantity == 3
    assert added.snapshot == reference.snapshot("anon:resp2")._replace(also=token)
    client.close()


@pytest.mark.django_db(transaction=True)
def test_rows_are_kept_only_outside_transactions_and_renewed_on_commit(monkeypatch):
    """With the real on-commit token and the real rule: a read inside a transaction
    sees (and never keeps) its uncommitted rows; the commit renews the token, so the
    next read outside fetches; a rolled-back write is never served from memory."""
    from django.db import transaction
    from django_redis import get_redis_connection

    from catalog import cache as catalog_cache

    # The real rules, not conftest's stand-ins for never-committing tests.
    monkeypatch.setattr(catalog_cache, "_after_commit", transaction.on_commit)
    monkeypatch.setattr(product_rows, "_may_keep", product_rows._outside_transaction)
    redis_client = get_redis_connection("default")
    product = ProductFactory(price=Decimal("10.00"))
    catalog_cache.start_version()

    def token():
        return redis_client.get(catalog_cache.version_key())

    def price():
        return product_rows.product_rows([product.pk], version=token())[
            product.pk
        ].price

    assert price() == Decimal("10.00")  # kept under the current token
    with transaction.atomic():
        product.price = Decimal("11.00")
        product.save()
        assert price() == Decimal("11.00")  # its own uncommitted write, not kept
    assert price() == Decimal("11.00")  # committed: a new token, fetched again

    with pytest.raises(RuntimeError), transaction.atomic():
        product.price = Decimal("99.00")
        product.save()
        assert price() == Decimal("99.00")
        raise RuntimeError("rolled back")
    assert price() == Decimal("11.00")


def test_an_add_after_a_price_change_writes_the_new_price(shopper, cart_commands):
    """The add's step writes only under the catalog version its kept row was read
    under: after a price change that version is gone, the step refuses, and the row is
    read again (a second step) so the line gets the new price."""
    product = ProductFactory(price=Decimal("10.00"), stock=5)
    other = ProductFactory(stock=5)
    add(shopper, other)
    view(shopper)  # keeps both rows under the current version
    assert product_rows.kept_version() is not None
    product.price = Decimal("7.25")
    product.save()
    cart_commands.clear()

    body = add(shopper, product)

    assert cart_commands == ["EVALSHA", "EVALSHA"]
    [line] = [i for i in body["items"] if i["product_id"] == product.pk]
    assert line["unit_price"] == "7.25"
    assert line["price_changed"] is False
    token = shopper._credentials["HTTP_X_CART_TOKEN"]
    stored = get_store().get(f"anon:{token}", product.pk)
    assert stored.unit_price == Decimal("7.25")


def test_an_add_of_a_product_archived_since_the_rows_were_kept_is_404(shopper):
    """Kept rows say active, the catalog says archived: the step refuses the old
    version and the current row refuses the product; the cart is left as it was."""
    product, other = ProductFactory(stock=5), ProductFactory(stock=5)
    add(shopper, other)
    view(shopper)
    product.is_active = False
    product.save()

    response = shopper.post(
        "/api/v1/cart/items/", {"product_id": product.pk}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"
    assert [i["product_id"] for i in view(shopper)["items"]] == [other.pk]


def test_an_add_when_the_catalog_version_is_gone(shopper):
    """With no version in Redis (emptied), the add reads its row from the database and
    expects nothing; the next read starts a version again."""
    from django_redis import get_redis_connection

    from catalog import cache as catalog_cache

    product = ProductFactory(price=Decimal("3.00"), stock=5)
    add(shopper, product)
    view(shopper)
    redis_client = get_redis_connection("default")
    redis_client.delete(catalog_cache.version_key())

    body = add(shopper, product, 2)

    assert body["items"][0]["quantity"] == 3
    assert redis_client.get(catalog_cache.version_key()) is not None
    assert view(shopper)["items"][0]["quantity"] == 3
