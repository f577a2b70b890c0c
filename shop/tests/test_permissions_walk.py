"""The permission walk: every endpoint of API.md as every kind of caller.

Callers: ``anonymous`` (no credentials at all), ``guest`` (anonymous, but holding its own
``X-Cart-Token`` and the ``X-Order-Token`` of its own order), ``customer``, ``seller`` (owns
the product), ``other_seller`` and ``staff``. Each row of ``CASES`` names the exact status
every caller gets. Every refused request (4xx) is also checked to have changed nothing:
products, categories, coupons, orders and every cart are compared before and after.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import responses
from django.urls import get_resolver
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import PASSWORD, UserFactory
from cart.cart import Cart, new_token
from cart.store import CartLine, get_store
from catalog.models import Category, Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from conftest import client_for
from coupons.models import Coupon
from coupons.tests.factories import CouponFactory
from orders.models import Order
from orders.tests.factories import order_with

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "guest", "customer", "seller", "other_seller", "staff")
USERS = ("customer", "seller", "other_seller", "staff")
GRAPH = r"https://graph\.facebook\.com/v[\d.]+/"


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, *, anonymous: int = 401) -> dict[str, int]:
    """Any user gets ``status``; callers without a JWT get ``anonymous``."""
    return {"anonymous": anonymous, "guest": anonymous, **dict.fromkeys(USERS, status)}


def staff_only(status: int) -> dict[str, int]:
    return {**signed_in(403), "staff": status}


def product_owner(status: int, *, others: int = 403) -> dict[str, int]:
    """The product's seller and staff get ``status``; other users ``others``."""
    return {
        "anonymous": 401, "guest": 401, "customer": others, "seller": status,
        "other_seller": others, "staff": status,
    }  # fmt: skip


def cart_holder(status: int) -> dict[str, int]:
    """Whoever has a cart (a JWT or a cart token) gets ``status``; nobody else."""
    return {**everyone(status), "anonymous": 401}


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # formatted with the World's attributes
    expected: dict[str, int]
    body: dict | None = None
    url_name: str = ""
    facebook: bool = False
    extra: dict = field(default_factory=dict)

    def __str__(self):
        return f"{self.method} {self.path}"


PRODUCT_BODY = {
    "name": "Walked product", "price": "12.50", "category": "{category}", "stock": 3,
    "description": "made by the walk",
}  # fmt: skip
COUPON_BODY = {"code": "WALK{role}", "name": "Walk", "percent_off": "5.00"}

CASES = [
    # --- auth -----------------------------------------------------------------------------
    Case("POST", "/api/v1/auth/register/", everyone(201), url_name="auth-register",
         body={"email": "{role}-new@example.com", "password": "Sturdy-Walk-913",
               "name": "New {role}"}),
    Case("POST", "/api/v1/auth/token/", everyone(200), url_name="auth-token",
         body={"email": "{login_email}", "password": PASSWORD}),
    Case("POST", "/api/v1/auth/token/refresh/", everyone(200), url_name="auth-token-refresh",
         body={"refresh": "{login_refresh}"}),
    Case("POST", "/api/v1/auth/logout/", everyone(204), url_name="auth-logout",
         body={"refresh": "{login_refresh}"}),
    Case("GET", "/api/v1/auth/me/", signed_in(200), url_name="auth-me"),
    Case("PATCH", "/api/v1/auth/me/", signed_in(200), url_name="auth-me",
         body={"name": "Renamed"}),
    Case("POST", "/api/v1/auth/facebook/", everyone(200), url_name="auth-facebook",
         body={"access_token": "fb-token"}, facebook=True),
    Case("GET", "/api/v1/ping/", everyone(200), url_name="ping"),
    # --- catalog --------------------------------------------------------------------------
    Case("GET", "/api/v1/categories/", everyone(200), url_name="category-list"),
    Case("GET", "/api/v1/categories/{category}/", everyone(200), url_name="category-detail"),
    Case("POST", "/api/v1/categories/", staff_only(201), url_name="category-list",
         body={"name": "Walked", "slug": "walked"}),
    Case("PUT", "/api/v1/categories/{category}/", staff_only(200), url_name="category-detail",
         body={"name": "Renamed", "slug": "{category}"}),
    Case("PATCH", "/api/v1/categories/{category}/", staff_only(200),
         url_name="category-detail", body={"name": "Renamed"}),
    Case("DELETE", "/api/v1/categories/{empty_category}/", staff_only(204),
         url_name="category-detail"),
    Case("GET", "/api/v1/products/", everyone(200), url_name="product-list"),
    Case("GET", "/api/v1/products/?include_inactive=true", everyone(200),
         url_name="product-list"),
    Case("GET", "/api/v1/products/{product}/", everyone(200), url_name="product-detail"),
    Case("GET", "/api/v1/products/{archived}/", {**everyone(404), "seller": 200, "staff": 200},
         url_name="product-detail"),
    Case("POST", "/api/v1/products/",
         {"anonymous": 401, "guest": 401, "customer": 403, "seller": 201,
          "other_seller": 201, "staff": 201},
         url_name="product-list", body=PRODUCT_BODY),
    Case("PUT", "/api/v1/products/{product}/", product_owner(200),
         url_name="product-detail",
         body={**PRODUCT_BODY, "stock": 50, "seller": "{seller_id}"}),
    Case("PATCH", "/api/v1/products/{product}/", product_owner(200),
         url_name="product-detail", body={"name": "Renamed", "price": "1.00"}),
    Case("PATCH", "/api/v1/products/{archived}/", product_owner(200, others=404),
         url_name="product-detail", body={"name": "Renamed"}),
    Case("DELETE", "/api/v1/products/{product}/", product_owner(204),
         url_name="product-detail"),
    Case("POST", "/api/v1/products/{product}/adjust-stock/", product_owner(200),
         url_name="product-adjust-stock", body={"delta": 5, "reason": "recount"}),
    Case("GET", "/api/v1/sellers/", everyone(200), url_name="seller-list"),
    Case("GET", "/api/v1/sellers/{seller_id}/", everyone(200), url_name="seller-detail"),
    # --- cart: every caller works on its own cart ----------------------------------------
    Case("POST", "/api/v1/carts/", everyone(201), url_name="cart-create"),
    Case("GET", "/api/v1/cart/", cart_holder(200), url_name="cart-detail"),
    Case("DELETE", "/api/v1/cart/", cart_holder(204), url_name="cart-detail"),
    Case("POST", "/api/v1/cart/items/", cart_holder(200), url_name="cart-items",
         body={"product_id": "{product}", "quantity": 1}),
    Case("PUT", "/api/v1/cart/items/{product}/", cart_holder(200), url_name="cart-item",
         body={"quantity": 3}),
    Case("PATCH", "/api/v1/cart/items/{product}/", cart_holder(200), url_name="cart-item",
         body={"quantity": 0}),
    Case("DELETE", "/api/v1/cart/items/{product}/", cart_holder(200), url_name="cart-item"),
    Case("PUT", "/api/v1/cart/coupon/", cart_holder(200), url_name="cart-coupon",
         body={"code": "{coupon_code}"}),
    Case("DELETE", "/api/v1/cart/coupon/", cart_holder(200), url_name="cart-coupon"),
    Case("POST", "/api/v1/cart/merge/", signed_in(200), url_name="cart-merge",
         body={"token": "{spare_cart_token}"}),
    # --- coupons: staff only --------------------------------------------------------------
    Case("GET", "/api/v1/coupons/", staff_only(200), url_name="coupon-list"),
    Case("POST", "/api/v1/coupons/", staff_only(201), url_name="coupon-list",
         body=COUPON_BODY),
    Case("GET", "/api/v1/coupons/{coupon}/", staff_only(200), url_name="coupon-detail"),
    Case("PUT", "/api/v1/coupons/{coupon}/", staff_only(200), url_name="coupon-detail",
         body=COUPON_BODY),
    Case("PATCH", "/api/v1/coupons/{coupon}/", staff_only(200), url_name="coupon-detail",
         body={"is_active": False}),
    Case("DELETE", "/api/v1/coupons/{coupon}/", staff_only(204), url_name="coupon-detail"),
    # --- orders ---------------------------------------------------------------------------
    Case("POST", "/api/v1/orders/", cart_holder(201), url_name="order-list",
         body={"email": "walk@example.com", "shipping_name": "W. Alker",
               "shipping_address": "1 Walk Way"}),
    Case("GET", "/api/v1/orders/", signed_in(200), url_name="order-list"),
    Case("GET", "/api/v1/orders/?status=pending", signed_in(200), url_name="order-list"),
    Case("GET", "/api/v1/orders/{customer_order}/", {**everyone(404), "customer": 200,
                                                     "staff": 200},
         url_name="order-detail"),
    Case("GET", "/api/v1/orders/{guest_order}/", {**everyone(404), "guest": 200, "staff": 200},
         url_name="order-detail"),
    Case("GET", "/api/v1/orders/NOSUCHORDER/", everyone(404), url_name="order-detail"),
    # Staff see an order but do not pay it for the customer: 403, not 404.
    Case("POST", "/api/v1/orders/{customer_order}/pay/",
         {**everyone(404), "customer": 200, "staff": 403}, url_name="order-pay",
         body={"payment_token": "tok_success"}),
    Case("POST", "/api/v1/orders/{guest_order}/pay/",
         {**everyone(404), "guest": 200, "staff": 403}, url_name="order-pay",
         body={"payment_token": "tok_success"}),
    Case("POST", "/api/v1/orders/{customer_order}/cancel/",
         {**everyone(404), "customer": 200, "staff": 200}, url_name="order-cancel"),
    Case("POST", "/api/v1/orders/{guest_order}/cancel/",
         {**everyone(404), "guest": 200, "staff": 200}, url_name="order-cancel"),
    Case("POST", "/api/v1/orders/{paid_order}/fulfil/", staff_only(200),
         url_name="order-fulfil"),
]  # fmt: skip


class World:
    """One of everything, and a client per caller; carts hold a line of ``product``."""

    def __init__(self):
        self.users = {
            "customer": UserFactory(role="customer"),
            "seller": UserFactory(role="seller"),
            "other_seller": UserFactory(role="seller"),
            "staff": UserFactory(is_staff=True, is_superuser=True),
        }
        self.login_user = UserFactory(email="walker@example.com")
        category = CategoryFactory(name="Walk things")
        self.empty_category = CategoryFactory(name="Empty shelf")
        self.product_obj = ProductFactory(
            seller=self.users["seller"],
            category=category,
            price=Decimal("10.00"),
            stock=50,
        )
        self.archived_obj = ProductFactory(
            seller=self.users["seller"], category=category, is_active=False
        )
        self.coupon_obj = CouponFactory(code="WALK10")
        customer = self.users["customer"]
        line = [(self.product_obj, 1)]
        self.customer_order_obj = order_with(
            products_and_quantities=line, user=customer, email=customer.email
        )
        self.paid_order_obj = order_with(
            products_and_quantities=line, user=customer, email=customer.email,
            status=Order.Status.PAID,
        )  # fmt: skip
        self.guest_order_obj = order_with(
            products_and_quantities=line, email="g@example.com"
        )

        self.guest_cart_token = new_token()
        self.spare_cart_token = new_token()
        store = get_store()
        self.cart_ids = {"guest": f"anon:{self.guest_cart_token}"}
        self.cart_ids.update(
            {role: Cart.for_user(user).id for role, user in self.users.items()}
        )
        for cart_id in self.cart_ids.values():
            store.add(cart_id, CartLine(self.product_obj.pk, 1, self.product_obj.price))
        store.add(
            f"anon:{self.spare_cart_token}",
            CartLine(self.product_obj.pk, 2, Decimal("10.00")),
        )

        self.login_refresh = str(RefreshToken.for_user(self.login_user))

    def client(self, role: str, **headers) -> APIClient:
        if role == "anonymous":
            client = APIClient()
        elif role == "guest":
            client = APIClient()
            headers = {
                "HTTP_X_CART_TOKEN": self.guest_cart_token,
                "HTTP_X_ORDER_TOKEN": self.guest_order_obj.access_token,
                **headers,
            }
        else:
            token = RefreshToken.for_user(self.users[role]).access_token
            client = APIClient()
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}
        client.credentials(**headers)
        return client

    def values(self, role: str) -> dict[str, str]:
        return {
            "role": role.replace("_", ""),
            "login_email": self.login_user.email,
            "login_refresh": self.login_refresh,
            "category": self.product_obj.category.slug,
            "empty_category": self.empty_category.slug,
            "product": str(self.product_obj.pk),
            "archived": str(self.archived_obj.pk),
            "seller_id": str(self.users["seller"].pk),
            "coupon": str(self.coupon_obj.pk),
            "coupon_code": self.coupon_obj.code,
            "spare_cart_token": self.spare_cart_token,
            "customer_order": self.customer_order_obj.number,
            "paid_order": self.paid_order_obj.number,
            "guest_order": self.guest_order_obj.number,
        }

    def snapshot(self) -> dict:
        """Everything a refused request must leave as it was."""
        store = get_store()
        carts = {
            cart_id: (cart.lines, cart.coupon)
            for cart_id in [*self.cart_ids.values(), f"anon:{self.spare_cart_token}"]
            for cart in [store.read(cart_id)]
        }
        return {
            "products": list(Product.objects.order_by("pk").values()),
            "categories": list(Category.objects.order_by("pk").values()),
            "coupons": list(Coupon.objects.order_by("pk").values()),
            "orders": list(
                Order.objects.order_by("pk").values("number", "status", "total")
            ),
            "carts": carts,
        }


INTEGER_VALUES = {"{product}", "{seller_id}"}  # ids sent as JSON numbers


def fill(template, values):
    if isinstance(template, str):
        filled = template.format(**values)
        return int(filled) if template in INTEGER_VALUES else filled
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    return template


@pytest.fixture
def world(settings):
    settings.SOCIAL_AUTH_FACEBOOK_KEY = "app-id"
    settings.SOCIAL_AUTH_FACEBOOK_SECRET = "app-secret"
    return World()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_permission_walk(world, case, role):
    """Every endpoint answers each kind of caller with exactly the allowed status; a
    refused request changes nothing."""
    values = world.values(role)
    client = world.client(role)
    path = fill(case.path, values)
    body = fill(case.body, values)
    before = world.snapshot()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as facebook:
        if case.facebook:
            facebook.add(
                responses.GET, re.compile(GRAPH + "me.*"),
                json={"id": f"fb-{role}", "name": f"Fb {role}", "email": f"fb-{role}@example.com"},
            )  # fmt: skip
        response = getattr(client, case.method.lower())(path, body, format="json")
    expected = case.expected[role]
    assert response.status_code == expected, (role, str(case), response.content[:300])
    if response.status_code != 204:
        assert response["Content-Type"] == "application/json", response["Content-Type"]
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("detail"), str) and body["detail"], body
        assert world.snapshot() == before, "a refused request changed stored data"


def test_the_walk_covers_every_api_route():
    """Every URL of the API (api: namespace) appears in the walk's table."""
    api = get_resolver().namespace_dict["api"][1]
    names = {name for name in api.reverse_dict if isinstance(name, str)}
    covered = {case.url_name for case in CASES}
    assert names - covered == set(), "endpoints missing from the permission walk"
    assert covered - names == set(), "the walk names routes that do not exist"


# --- what each caller sees ----------------------------------------------------------------


def _units(cart_id: str) -> int:
    return sum(line.quantity for line in get_store().read(cart_id).lines)


def test_each_caller_reads_and_writes_only_their_own_cart(world):
    """GET cart/ shows the caller's own cart; a JWT caller sending someone else's cart
    token still works on its own cart, and the token's cart is untouched."""
    store = get_store()
    for quantity, role in enumerate(["guest", *USERS], start=2):
        store.set(
            world.cart_ids[role],
            CartLine(world.product_obj.pk, quantity, Decimal("10.00")),
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
