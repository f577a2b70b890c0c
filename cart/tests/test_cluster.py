"""The carts on a Redis Cluster (CART_REDIS_CLUSTER=true): the store, the cart API and
checkout work unchanged with carts spread over the cluster's masters.

Needs the 3-master cluster on 127.0.0.1:7000-7002: CI starts it (.ci/redis-cluster);
start it locally with the same script. Without it these tests fail, they never skip.
"""

from decimal import Decimal

import pytest
from django.core import mail

from accounts.tests.factories import PASSWORD
from cart.cart import SESSION_KEY, Cart
from cart.store import CartLine, LineQuantityLimit, get_store
from cart.tests.factories import tee, variant, variant_of
from catalog.tests.factories import ProductFactory
from conftest import client_for
from coupons.tests.factories import CouponFactory
from orders.models import Order

# They share the one cluster and flush it: `make test` gives each file to one xdist
# worker (--dist loadfile), so they never run beside each other.
pytestmark = [pytest.mark.redis_cluster, pytest.mark.django_db]

CLUSTER_URL = "redis://127.0.0.1:7000/0"
ADDRESS = {"shipping_name": "Grace Hopper", "shipping_address": "1 Harbour Way"}


def _flush(client):
    client.flushall(target_nodes=client.PRIMARIES)


@pytest.fixture(autouse=True)
def cluster(settings):
    """The carts on the cluster, emptied before and after each test; the cluster client."""
    settings.CART_REDIS_URL = CLUSTER_URL
    settings.CART_REDIS_CLUSTER = True
    try:
        client = get_store().client
        _flush(client)
    except Exception as exc:  # noqa: BLE001 (any failure to reach it says the same)
        pytest.fail(
            f"no Redis Cluster at {CLUSTER_URL} ({exc!r}): start it with .ci/redis-cluster"
        )
    yield client
    _flush(client)


def holders(client) -> dict[str, list[bytes]]:
    """The cart keys each master holds, by the master's name."""
    return {
        node.name: node.redis_connection.keys("cart:*")
        for node in client.get_primaries()
    }


def node_of(client, cart: Cart) -> str:
    return client.get_node_from_key(f"cart:{{{cart.id}}}").name


# --- (a) the store -------------------------------------------------------------------------


def test_the_store_works_for_carts_spread_over_the_masters(cluster):
    """Forty carts land on every master (each whole on one, by its hash tag); every
    operation of the store works on each, and a merge moves lines between masters."""
    store = get_store()
    assert len(cluster.get_primaries()) == 3
    ids = [f"user:{n}" for n in range(40)]
    for n, cart_id in enumerate(ids):
        store.add(cart_id, CartLine(1, 2, Decimal("1.50")))
        store.add(cart_id, CartLine(2, 1, Decimal("2.00")), max_lines=5)
        store.set(cart_id, CartLine(3, n + 1, Decimal("3.00")))
        store.set_coupon(cart_id, f"C{n}")
        with pytest.raises(LineQuantityLimit):
            store.add(cart_id, CartLine(1, 9, Decimal("1.50")), max_quantity=5)

    found = holders(cluster)
    assert sum(1 for keys in found.values() if keys) >= 2
    assert sorted(key for keys in found.values() for key in keys) == sorted(
        f"cart:{{{cart_id}}}".encode() for cart_id in ids
    )
    for name, keys in found.items():
        for key in keys:
            assert cluster.get_node_from_key(key).name == name
            assert cluster.keyslot(key) == cluster.keyslot(key[6:-1])  # the tag's slot

    for n, cart_id in enumerate(ids):
        snapshot = store.read(cart_id)
        assert [(line.variant_id, line.quantity) for line in snapshot.lines] == [
            (1, 2),
            (2, 1),
            (3, n + 1),
        ]
        assert snapshot.coupon == f"C{n}" and snapshot.revision

    source, target = _on_two_masters(cluster, ids)
    store.remove(source, 2)
    store.take(target, [(1, 2)], None)
    merged, coupon_taken = store.merge_in(
        target,
        store.pop(source).lines,
        caps={1: 10, 3: 10},
        coupon="SRC",
        max_quantity=10,
        max_lines=10,
    )
    assert store.exists(source) is False
    assert {line.variant_id: line.quantity for line in store.read(target).lines} == {
        1: 2,
        2: 1,
        3: min(1 + int(target.split(":")[1]) + 1, 10),  # user:n held n + 1
    }
    assert coupon_taken is False
    assert {line.variant_id for line in merged} == {1, 3}
    cluster.script_flush()  # on every master: the scripts are loaded again
    assert store.read(target).coupon.startswith("C")
    store.destroy(target)
    assert store.exists(target) is False


def _on_two_masters(cluster, ids) -> tuple[str, str]:
    first = ids[0]
    node = cluster.get_node_from_key(f"cart:{{{first}}}").name
    other = next(
        i for i in ids if cluster.get_node_from_key(f"cart:{{{i}}}").name != node
    )
    return first, other


# --- (b) the cart API ----------------------------------------------------------------------


def _anonymous_cart_not_on(cluster, api_client, node: str) -> str:
    """A new anonymous cart's token whose cart lives on another master than ``node``."""
    for _ in range(30):
        token = api_client.post("/api/v1/carts/").json()["token"]
        if node_of(cluster, Cart.for_token(token)) != node:
            return token
    raise AssertionError("thirty new carts all landed on one master")


def test_the_cart_api_works_end_to_end_on_the_cluster(cluster, api_client, customer):
    """Add, read, set, remove, coupon and merge through the API, the anonymous cart and
    the user's on different masters; lines of two variants of one tee stay apart."""
    scarce = ProductFactory(price=Decimal("4.00"), stock=5)
    plenty = ProductFactory(price=Decimal("10.00"), stock=50)
    shirt = tee(price=Decimal("20.00"), stock=5)
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="M", Colour="Blue"),
    )
    CouponFactory(code="TEN", percent_off=Decimal("10"))
    user = client_for(customer)
    assert user.post(
        "/api/v1/cart/items/", {"product_id": scarce.pk, "quantity": 3}, format="json"
    ).json()["quantity"] == 3  # fmt: skip

    token = _anonymous_cart_not_on(
        cluster, api_client, node_of(cluster, Cart.for_user(customer))
    )
    api_client.credentials(HTTP_X_CART_TOKEN=token)
    added = api_client.post(
        "/api/v1/cart/items/", {"product_id": scarce.pk, "quantity": 4}, format="json"
    )
    assert added.status_code == 200
    api_client.post("/api/v1/cart/items/", {"product_id": plenty.pk}, format="json")
    item = f"/api/v1/cart/items/{variant_of(plenty).pk}/"
    assert api_client.put(item, {"quantity": 2}, format="json").status_code == 200
    coupon = api_client.put("/api/v1/cart/coupon/", {"code": "ten"}, format="json")
    assert coupon.status_code == 200
    body = api_client.get("/api/v1/cart/").json()
    assert (body["subtotal"], body["discount"], body["total"]) == (
        "36.00",
        "3.60",
        "32.40",
    )
    assert api_client.delete("/api/v1/cart/coupon/").json()["coupon"] is None
    assert api_client.delete(item).json()["count"] == 1
    api_client.put(item, {"quantity": 2}, format="json")
    api_client.put("/api/v1/cart/coupon/", {"code": "ten"}, format="json")
    for line, quantity in ((red, 1), (blue, 2)):
        api_client.post("/api/v1/cart/items/", {"variant_id": line.pk,
                        "quantity": quantity}, format="json")  # fmt: skip
    user.post("/api/v1/cart/items/", {"variant_id": red.pk, "quantity": 4},
              format="json")  # fmt: skip

    merged = user.post("/api/v1/cart/merge/", {"token": token}, format="json")

    assert merged.status_code == 200
    body = merged.json()
    assert {i["variant_id"]: i["quantity"] for i in body["items"]} == {
        variant_of(scarce).pk: 5,
        variant_of(plenty).pk: 2,
        red.pk: 5,
        blue.pk: 2,
    }
    assert [(w["code"], w["variant_id"]) for w in body["warnings"]] == [
        ("quantity_reduced", variant_of(scarce).pk)
    ]
    assert body["coupon"]["code"] == "TEN"
    assert api_client.get("/api/v1/cart/").status_code == 404
    assert user.post(
        "/api/v1/cart/merge/", {"token": token}, format="json"
    ).status_code == 404  # fmt: skip


def test_signing_in_on_the_pages_merges_on_the_cluster(cluster, client, customer):
    """A visitor's session cart joins the user's at sign-in, across masters."""
    product = ProductFactory(stock=10)
    cart_user = Cart.for_user(customer)
    for _ in range(30):
        client.cookies.clear()
        client.post("/cart/add/", {"product_id": product.pk, "quantity": 2})
        token = client.session[SESSION_KEY]
        if node_of(cluster, Cart.for_token(token)) != node_of(cluster, cart_user):
            break
        get_store().destroy(f"anon:{token}")
    client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})

    response = client.post(
        "/accounts/login/", {"username": customer.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    page = client.get("/cart/")
    assert {
        i["variant_id"]: i["quantity"] for i in page.context["summary"]["items"]
    } == {variant_of(product).pk: 3}
    assert get_store().exists(f"anon:{token}") is False


# --- (c) checkout --------------------------------------------------------------------------


def test_checkout_through_the_api_with_carts_on_the_cluster(
    cluster, api_client, customer, django_capture_on_commit_callbacks
):
    """A user's and a guest's checkout: orders placed from carts on the cluster, what
    was ordered leaves each cart, and a second checkout of the same cart orders nothing."""
    product = ProductFactory(price=Decimal("12.50"), stock=10)
    CouponFactory(code="TEN", percent_off=Decimal("10"))
    user = client_for(customer)
    user.post("/api/v1/cart/items/", {"product_id": product.pk, "quantity": 2},
              format="json")  # fmt: skip
    user.put("/api/v1/cart/coupon/", {"code": "TEN"}, format="json")
    token = _anonymous_cart_not_on(
        cluster, api_client, node_of(cluster, Cart.for_user(customer))
    )
    api_client.credentials(HTTP_X_CART_TOKEN=token)
    api_client.post("/api/v1/cart/items/", {"product_id": product.pk, "quantity": 3},
                    format="json")  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        placed = user.post("/api/v1/orders/", ADDRESS, format="json")
        guest = api_client.post(
            "/api/v1/orders/", {"email": "guest@example.com", **ADDRESS}, format="json"
        )

    assert placed.status_code == 201, placed.json()
    assert (placed.json()["total"], placed.json()["coupon_code"]) == ("22.50", "TEN")
    assert guest.status_code == 201, guest.json()
    assert guest.json()["total"] == "37.50"
    assert Order.objects.count() == 2
    assert variant_of(product).stock == 5
    assert get_store().exists(Cart.for_user(customer).id) is False
    assert get_store().exists(f"anon:{token}") is False
    assert len(mail.outbox) == 2
    again = user.post("/api/v1/orders/", ADDRESS, format="json")
    assert again.status_code == 400
    assert Order.objects.count() == 2


def test_a_cluster_that_cannot_be_reached_is_an_outage(settings, api_client):
    """No node of the cluster answers: the cart API says 503, not 500."""
    settings.CART_REDIS_URL = "redis://127.0.0.1:1/0"
    response = api_client.post("/api/v1/carts/")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
