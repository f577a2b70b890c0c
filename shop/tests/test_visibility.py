"""What each kind of caller sees: their own cart and orders only, archived products only
when theirs, and no selling as another seller (the world of shop/tests/walk.py)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cart.cart import new_token
from cart.store import CartLine, get_store
from conftest import client_for
from shop.tests.walk import PRODUCT_BODY, ROLES, USERS, fill

pytestmark = pytest.mark.django_db


def _units(cart_id: str) -> int:
    return sum(line.quantity for line in get_store().read(cart_id).lines)


def test_each_caller_reads_and_writes_only_their_own_cart(world):
    """GET cart/ shows the caller's own cart; a JWT caller sending someone else's cart
    token still works on its own cart, and the token's cart is untouched."""
    store = get_store()
    for quantity, role in enumerate(["guest", *USERS], start=2):
        store.set(
            world.cart_ids[role],
            CartLine(world.variant_obj.pk, quantity, Decimal("10.00")),
        )
    expected = {
        role: quantity for quantity, role in enumerate(["guest", *USERS], start=2)
    }
    for role in ["guest", *USERS]:
        # A signed-in caller also sends the guest's token: it must not redirect them.
        client = world.client(role, HTTP_X_CART_TOKEN=world.guest_cart_token)
        cart = client.get("/api/v1/cart/").json()
        assert cart["quantity"] == expected[role], role
        response = client.delete("/api/v1/cart/")
        assert response.status_code == 204
        assert not store.exists(world.cart_ids[role])
        for other in expected.keys() - {role}:
            if store.exists(world.cart_ids[other]):
                assert _units(world.cart_ids[other]) == expected[other], (role, other)


def test_a_made_up_or_user_shaped_cart_token_is_404(api_client, world):
    """Carts of users have no token; guessing one (or any unknown token) is 404."""
    for token in [new_token(), f"user:{world.users['customer'].pk}", "x" * 32]:
        api_client.credentials(HTTP_X_CART_TOKEN=token)
        response = api_client.get("/api/v1/cart/")
        assert response.status_code == 404, token
        assert response.json()["code"] == "cart_not_found"
    merged = client_for(world.users["seller"]).post(
        "/api/v1/cart/merge/",
        {"token": f"user:{world.users['customer'].pk}"},
        format="json",
    )
    assert merged.status_code == 400  # not an anonymous cart's token at all
    assert list(merged.json()) == ["token"]
    assert _units(world.cart_ids["customer"]) == 1


def test_order_lists_show_only_the_callers_orders(world):
    """The customer lists their two orders, sellers none, staff all three."""
    customer_numbers = {world.customer_order_obj.number, world.paid_order_obj.number}
    everyone_numbers = customer_numbers | {world.guest_order_obj.number}
    expected = {
        "customer": customer_numbers, "seller": set(), "other_seller": set(),
        "staff": everyone_numbers,
    }  # fmt: skip
    for role, numbers in expected.items():
        body = world.client(role).get("/api/v1/orders/").json()
        assert {order["number"] for order in body["results"]} == numbers, role
        assert body["count"] == len(numbers)


def test_someone_elses_order_looks_exactly_like_a_missing_one(world):
    """404 with the same body for another's order and an unknown number: nothing leaks."""
    client = world.client("seller")
    theirs = client.get(f"/api/v1/orders/{world.customer_order_obj.number}/")
    unknown = client.get("/api/v1/orders/ZZZZZZZZ/")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    # A wrong order token is no better than none.
    guest = APIClient()
    guest.credentials(HTTP_X_ORDER_TOKEN=world.customer_order_obj.access_token)
    assert (
        guest.get(f"/api/v1/orders/{world.guest_order_obj.number}/").status_code == 404
    )


def test_archived_products_are_listed_only_for_their_seller_and_staff(world):
    """?include_inactive=true: the seller sees its own archived product, staff all, others
    only active products."""
    archived = world.archived_obj.pk
    for role in ROLES:
        body = world.client(role).get("/api/v1/products/?include_inactive=true").json()
        ids = {product["id"] for product in body["results"]}
        assert world.product_obj.pk in ids, role
        assert (archived in ids) is (role in ("seller", "staff")), role


def test_a_seller_cannot_sell_as_or_take_over_another_seller(world):
    """A seller naming another seller on create is 400; no product changes hands."""
    client = world.client("other_seller")
    values = world.values("other_seller")
    response = client.post(
        "/api/v1/products/",
        {**fill(PRODUCT_BODY, values), "seller": world.users["seller"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert "seller" in response.json()
    owner = world.client("seller")
    response = owner.patch(
        f"/api/v1/products/{world.product_obj.pk}/",
        {"seller": world.users["other_seller"].pk},
        format="json",
    )
    assert response.status_code == 400
    world.product_obj.refresh_from_db()
    assert world.product_obj.seller == world.users["seller"]


def test_staff_may_create_a_product_for_a_seller(world):
    """Staff name the seller of a new product."""
    response = world.client("staff").post(
        "/api/v1/products/",
        {
            **fill(PRODUCT_BODY, world.values("staff")),
            "seller": world.users["seller"].pk,
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["seller"] == world.users["seller"].pk
