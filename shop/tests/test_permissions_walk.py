"""The permission walk: every endpoint of API.md as every kind of caller.

Callers: ``anonymous`` (no credentials at all), ``guest`` (anonymous, but holding its own
``X-Cart-Token`` and the ``X-Order-Token`` of its own order), ``customer``, ``seller`` (owns
the products), ``other_seller`` and ``staff``. Each row of ``CASES`` names the exact status
every caller gets. Every refused request (4xx) is also checked to have changed nothing:
products, their options, variants, images and stock movements, categories, coupons,
orders and every cart are compared before and after (shop/tests/walk.py).
"""

import re
from dataclasses import dataclass, field

import pytest
import responses
from django.urls import get_resolver

from accounts.tests.factories import PASSWORD
from shop.tests.walk import PRODUCT_BODY, ROLES, USERS, a_picture, fill

pytestmark = pytest.mark.django_db

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
    upload: bool = False  # a multipart body with a picture in ``image``
    extra: dict = field(default_factory=dict)

    def __str__(self):
        return f"{self.method} {self.path}"


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
    Case("POST", "/api/v1/auth/password-reset/", everyone(204),
         url_name="auth-password-reset", body={"email": "{login_email}"}),
    Case("POST", "/api/v1/auth/password-reset/confirm/", everyone(204),
         url_name="auth-password-reset-confirm",
         body={"uid": "{login_uid}", "token": "{login_reset_token}",
               "password": "Sturdy-Walk-913"}),
    Case("POST", "/api/v1/auth/password/change/", signed_in(204),
         url_name="auth-password-change",
         body={"current_password": PASSWORD, "password": "Sturdy-Walk-914"}),
    Case("POST", "/api/v1/auth/email/verify/", everyone(200), url_name="auth-email-verify",
         body={"uid": "{login_uid}", "token": "{login_verify_token}"}),
    Case("POST", "/api/v1/auth/email/verify/resend/", signed_in(204),
         url_name="auth-email-verify-resend"),
    # --- the address book: each user's own ----------------------------------------------
    Case("GET", "/api/v1/me/addresses/", signed_in(200), url_name="address-list"),
    Case("POST", "/api/v1/me/addresses/", signed_in(201), url_name="address-list",
         body={"name": "W. Alker", "line1": "1 Walk Way", "city": "Leeds",
               "postcode": "LS1 1AA", "country": "GB"}),
    Case("GET", "/api/v1/me/addresses/{customer_address}/",
         {**signed_in(404), "customer": 200}, url_name="address-detail"),
    Case("PUT", "/api/v1/me/addresses/{customer_address}/",
         {**signed_in(404), "customer": 200}, url_name="address-detail",
         body={"name": "W. Alker", "line1": "2 Walk Way", "city": "Leeds",
               "postcode": "LS1 1AA", "country": "GB"}),
    Case("PATCH", "/api/v1/me/addresses/{customer_address}/",
         {**signed_in(404), "customer": 200}, url_name="address-detail",
         body={"city": "York"}),
    Case("DELETE", "/api/v1/me/addresses/{customer_address}/",
         {**signed_in(404), "customer": 204}, url_name="address-detail"),
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
    Case("POST", "/api/v1/products/{archived}/adjust-stock/", product_owner(200, others=404),
         url_name="product-adjust-stock", body={"delta": 5, "reason": "recount"}),
    # --- variants and images: the product's seller and staff -----------------------------
    Case("POST", "/api/v1/products/{tee}/variants/", product_owner(201),
         url_name="product-add-variant",
         body={"sku": "WALK-TEE-L", "options": {"Size": "L"}, "price": "12.00",
               "stock": 4}),
    Case("PATCH", "/api/v1/variants/{tee_variant}/", product_owner(200),
         url_name="variant-detail", body={"price": "11.00", "sku": "WALK-TEE-S2"}),
    Case("PATCH", "/api/v1/variants/{archived_variant}/", product_owner(200, others=404),
         url_name="variant-detail", body={"price": "11.00"}),
    Case("DELETE", "/api/v1/variants/{tee_variant}/", product_owner(204),
         url_name="variant-detail"),
    Case("POST", "/api/v1/variants/{tee_variant}/adjust-stock/", product_owner(200),
         url_name="variant-adjust-stock", body={"delta": -2, "reason": "damaged"}),
    Case("POST", "/api/v1/variants/{archived_variant}/adjust-stock/",
         product_owner(200, others=404), url_name="variant-adjust-stock",
         body={"delta": 1, "reason": "found"}),
    Case("POST", "/api/v1/products/{product}/images/", product_owner(201),
         url_name="product-add-image", body={"alt": "The walked product"}, upload=True),
    Case("DELETE", "/api/v1/products/{product}/images/{image}/", product_owner(204),
         url_name="product-remove-image"),
    Case("DELETE", "/api/v1/products/{tee}/images/{image}/", product_owner(404, others=403),
         url_name="product-remove-image"),  # another product's image: 404 to its seller
    # --- back in stock: anyone, on a sold-out variant on sale ---------------------------
    Case("POST", "/api/v1/variants/{sold_out_variant}/notify-me/", everyone(201),
         url_name="variant-notify-me", body={"email": "{role}@example.com"}),
    Case("POST", "/api/v1/variants/{variant}/notify-me/", everyone(400),
         url_name="variant-notify-me", body={"email": "{role}@example.com"}),
    Case("POST", "/api/v1/variants/{archived_variant}/notify-me/", everyone(404),
         url_name="variant-notify-me", body={"email": "{role}@example.com"}),
    Case("GET", "/api/v1/sellers/", everyone(200), url_name="seller-list"),
    Case("GET", "/api/v1/sellers/{seller_id}/", everyone(200), url_name="seller-detail"),
    # --- cart: every caller works on its own cart ----------------------------------------
    Case("POST", "/api/v1/carts/", everyone(201), url_name="cart-create"),
    Case("GET", "/api/v1/cart/", cart_holder(200), url_name="cart-detail"),
    Case("DELETE", "/api/v1/cart/", cart_holder(204), url_name="cart-detail"),
    Case("POST", "/api/v1/cart/items/", cart_holder(200), url_name="cart-items",
         body={"variant_id": "{tee_variant}", "quantity": 1}),
    Case("POST", "/api/v1/cart/items/", cart_holder(200), url_name="cart-items",
         body={"product_id": "{product}", "quantity": 1}),  # a one-variant product
    Case("POST", "/api/v1/cart/items/", cart_holder(400), url_name="cart-items",
         body={"product_id": "{tee}", "quantity": 1}),  # variant_required
    Case("PUT", "/api/v1/cart/items/{variant}/", cart_holder(200), url_name="cart-item",
         body={"quantity": 3}),
    Case("PATCH", "/api/v1/cart/items/{variant}/", cart_holder(200), url_name="cart-item",
         body={"quantity": 0}),
    Case("DELETE", "/api/v1/cart/items/{variant}/", cart_holder(200), url_name="cart-item"),
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
    # --- shipping and tax: staff only; the quote: whoever has a cart ----------------------
    Case("GET", "/api/v1/cart/shipping-methods/?country=GB", cart_holder(200),
         url_name="cart-shipping-methods"),
    Case("GET", "/api/v1/shipping-zones/", staff_only(200), url_name="shipping-zone-list"),
    Case("POST", "/api/v1/shipping-zones/", staff_only(201), url_name="shipping-zone-list",
         body={"name": "Zone {role}", "countries": ["FR"]}),
    Case("GET", "/api/v1/shipping-zones/{shipping_zone}/", staff_only(200),
         url_name="shipping-zone-detail"),
    Case("PUT", "/api/v1/shipping-zones/{shipping_zone}/", staff_only(200),
         url_name="shipping-zone-detail", body={"name": "Renamed", "countries": ["GB"]}),
    Case("PATCH", "/api/v1/shipping-zones/{shipping_zone}/", staff_only(200),
         url_name="shipping-zone-detail", body={"name": "Renamed"}),
    Case("DELETE", "/api/v1/shipping-zones/{shipping_zone}/", staff_only(204),
         url_name="shipping-zone-detail"),
    Case("GET", "/api/v1/shipping-methods/", staff_only(200),
         url_name="shipping-method-list"),
    Case("POST", "/api/v1/shipping-methods/", staff_only(201),
         url_name="shipping-method-list",
         body={"zone": "{shipping_zone}", "name": "Courier", "kind": "flat",
               "price": "9.00"}),
    Case("GET", "/api/v1/shipping-methods/{shipping_method}/", staff_only(200),
         url_name="shipping-method-detail"),
    Case("PUT", "/api/v1/shipping-methods/{shipping_method}/", staff_only(200),
         url_name="shipping-method-detail",
         body={"zone": "{shipping_zone}", "name": "Courier", "kind": "weight",
               "bands": [{"up_to": 1000, "price": "5.00"}]}),
    Case("PATCH", "/api/v1/shipping-methods/{shipping_method}/", staff_only(200),
         url_name="shipping-method-detail", body={"price": "4.00"}),
    Case("DELETE", "/api/v1/shipping-methods/{shipping_method}/", staff_only(204),
         url_name="shipping-method-detail"),
    Case("GET", "/api/v1/tax-rates/", staff_only(200), url_name="tax-rate-list"),
    Case("POST", "/api/v1/tax-rates/", staff_only(201), url_name="tax-rate-list",
         body={"country": "FR", "rate": "0.2"}),
    Case("GET", "/api/v1/tax-rates/{tax_rate}/", staff_only(200), url_name="tax-rate-detail"),
    Case("PUT", "/api/v1/tax-rates/{tax_rate}/", staff_only(200), url_name="tax-rate-detail",
         body={"country": "GB", "rate": "0.1"}),
    Case("PATCH", "/api/v1/tax-rates/{tax_rate}/", staff_only(200),
         url_name="tax-rate-detail", body={"rate": "0.05"}),
    Case("DELETE", "/api/v1/tax-rates/{tax_rate}/", staff_only(204),
         url_name="tax-rate-detail"),
    # --- orders ---------------------------------------------------------------------------
    Case("POST", "/api/v1/orders/", cart_holder(201), url_name="order-list",
         body={"email": "walk@example.com", "shipping_method": "{shipping_method}",
               "shipping_address": {"name": "W. Alker", "line1": "1 Walk Way",
                                    "city": "Leeds", "postcode": "LS1 1AA",
                                    "country": "GB"}}),
    # The old text body, refused once the shop ships (shipping_method_required).
    Case("POST", "/api/v1/orders/", cart_holder(400), url_name="order-list",
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
         url_name="order-fulfil", body={"tracking_number": "1Z999", "carrier": "UPS"}),
    # The customer cancels only a pending order (409); staff until it ships.
    Case("POST", "/api/v1/orders/{paid_order}/cancel/",
         {**everyone(404), "customer": 409, "staff": 200}, url_name="order-cancel"),
    Case("POST", "/api/v1/orders/{paid_order}/refunds/", staff_only(201),
         url_name="order-refunds", body={"shipping": True, "reason": "walk"}),
]  # fmt: skip


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
        if case.upload:
            response = client.post(
                path, {**body, "image": a_picture()}, format="multipart"
            )
        else:
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
