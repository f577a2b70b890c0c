"""Coupons in the cart, end to end through PUT/DELETE /api/v1/cart/coupon/ and GET cart/.

The endpoint is the cart app's; these tests hold the coupon rules to it: every reason
code of API.md, the cart's coupon/discount/tax/total fields, and a coupon dropped with
``coupon_removed`` when it stops being valid while in a cart.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    product_with_variants,
)
from coupons.models import Coupon
from coupons.tests.factories import CouponFactory, CouponRedemptionFactory

pytestmark = pytest.mark.django_db

COUPON_URL = "/api/v1/cart/coupon/"
CART_URL = "/api/v1/cart/"
ITEMS_URL = "/api/v1/cart/items/"


def add(client, product, quantity=1):
    response = client.post(
        ITEMS_URL, {"product_id": product.pk, "quantity": quantity}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def apply(client, code):
    return client.put(COUPON_URL, {"code": code}, format="json")


def totals(cart: dict) -> tuple:
    return cart["subtotal"], cart["discount"], cart["tax"], cart["total"]


@pytest.fixture
def bucket(db):
    return ProductFactory(name="Plastic bucket", price=Decimal("19.99"), stock=50)


def test_applying_a_coupon_shows_the_discount_at_once(customer_client, bucket):
    """25% off a 19.99 item: the cart answers with the coupon, 5.00 off, total 14.99."""
    CouponFactory(code="QUARTER", name="A quarter off", percent_off=Decimal("25"))
    add(customer_client, bucket)
    response = apply(customer_client, "quarter")
    assert response.status_code == 200
    cart = response.json()
    assert cart["coupon"] == {"code": "QUARTER", "name": "A quarter off"}
    assert totals(cart) == ("19.99", "5.00", "0.00", "14.99")
    assert cart["warnings"] == []
    # And it stays on the cart.
    assert totals(customer_client.get(CART_URL).json()) == (
        "19.99",
        "5.00",
        "0.00",
        "14.99",
    )


def test_tax_applies_after_the_discount(customer_client, settings):
    """SHOP_TAX_RATE 0.085: a 29.99 item is 2.55 tax and 32.54 total; 10% off changes both."""
    settings.SHOP_TAX_RATE = Decimal("0.085")
    add(customer_client, ProductFactory(price=Decimal("29.99")))
    assert totals(customer_client.get(CART_URL).json()) == (
        "29.99",
        "0.00",
        "2.55",
        "32.54",
    )
    CouponFactory(code="TEN", percent_off=Decimal("10"))
    # 10% of 29.99 = 2.999 -> 3.00 off; tax on 26.99 = 2.29415 -> 2.29; total 29.28.
    assert totals(apply(customer_client, "TEN").json()) == (
        "29.99",
        "3.00",
        "2.29",
        "29.28",
    )


def test_category_coupon_through_the_cart(customer_client):
    """A coupon on Kitchen discounts the knife (in Kitchen > Knives), not the garden hose."""
    kitchen = CategoryFactory(slug="kitchen")
    knives = CategoryFactory(slug="knives", parent=kitchen)
    garden = CategoryFactory(slug="garden")
    add(customer_client, ProductFactory(category=knives, price=Decimal("40.00")))
    add(customer_client, ProductFactory(category=garden, price=Decimal("25.00")))
    CouponFactory(code="KITCHEN15", percent_off=Decimal("15"), categories=[kitchen])
    cart = apply(customer_client, "KITCHEN15").json()
    assert totals(cart) == ("65.00", "6.00", "0.00", "59.00")


def test_removing_the_coupon(customer_client, bucket):
    """DELETE cart/coupon/ answers 200 with the cart at full price and no coupon."""
    CouponFactory(code="QUARTER", percent_off=Decimal("25"))
    add(customer_client, bucket)
    apply(customer_client, "QUARTER")
    response = customer_client.delete(COUPON_URL)
    assert response.status_code == 200
    assert response.json()["coupon"] is None
    assert totals(response.json()) == ("19.99", "0.00", "0.00", "19.99")


def test_an_anonymous_cart_can_use_a_coupon(api_client, bucket):
    """With an X-Cart-Token the coupon works the same."""
    CouponFactory(code="QUARTER", percent_off=Decimal("25"))
    token = api_client.post("/api/v1/carts/").json()["token"]
    api_client.credentials(HTTP_X_CART_TOKEN=token)
    add(api_client, bucket)
    response = apply(api_client, "QUARTER")
    assert response.status_code == 200
    assert response.json()["discount"] == "5.00"


# --- every reason code, through the API --------------------------------------------------


def assert_refused(response, code: str, detail: str):
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["detail"] == detail


def test_unknown_code_is_coupon_invalid(customer_client, bucket):
    """An unknown code: 400 coupon_invalid, and the cart has no coupon."""
    add(customer_client, bucket)
    assert_refused(
        apply(customer_client, "NOSUCH"),
        "coupon_invalid",
        "The coupon code 'NOSUCH' is not valid.",
    )
    assert customer_client.get(CART_URL).json()["coupon"] is None


def test_inactive_coupon_is_coupon_invalid(customer_client, bucket):
    """A deactivated coupon: 400 coupon_invalid."""
    CouponFactory(code="OFF", is_active=False)
    add(customer_client, bucket)
    assert_refused(
        apply(customer_client, "OFF"),
        "coupon_invalid",
        "The coupon OFF is no longer active.",
    )


def test_not_yet_valid_coupon_is_coupon_invalid(customer_client, bucket):
    """Before its start: 400 coupon_invalid."""
    CouponFactory(code="SOON", valid_from=timezone.now() + timedelta(days=1))
    add(customer_client, bucket)
    assert_refused(
        apply(customer_client, "SOON"),
        "coupon_invalid",
        "The coupon SOON is not valid yet.",
    )


def test_expired_coupon_is_coupon_expired(customer_client, bucket):
    """After its end: 400 coupon_expired."""
    CouponFactory(code="OLD", valid_until=timezone.now() - timedelta(seconds=1))
    add(customer_client, bucket)
    assert_refused(
        apply(customer_client, "OLD"), "coupon_expired", "The coupon OLD has expired."
    )


def test_coupon_for_other_products_is_not_applicable(customer_client, bucket):
    """Scoped to a product not in the cart: 400 coupon_not_applicable."""
    CouponFactory(code="PANS", products=[ProductFactory()])
    add(customer_client, bucket)
    assert_refused(
        apply(customer_client, "PANS"),
        "coupon_not_applicable",
        "The coupon PANS does not apply to any item in your cart.",
    )


def test_coupon_on_an_empty_cart_is_not_applicable(customer_client):
    """Nothing in the cart yet: 400 coupon_not_applicable."""
    CouponFactory(code="ALL")
    assert_refused(
        apply(customer_client, "ALL"),
        "coupon_not_applicable",
        "Add items to your cart to use the coupon ALL.",
    )


def test_subtotal_below_minimum_is_coupon_min_subtotal(customer_client, bucket):
    """19.99 in the cart, 50.00 needed: 400 coupon_min_subtotal with the minimum."""
    CouponFactory(code="BIG", min_subtotal=Decimal("50.00"))
    add(customer_client, bucket)
    response = apply(customer_client, "BIG")
    assert_refused(
        response,
        "coupon_min_subtotal",
        "The coupon BIG needs a subtotal of at least $50.00.",
    )
    assert response.json()["min_subtotal"] == "50.00"


def test_used_up_coupon_is_coupon_used_up(customer_client, bucket):
    """All uses taken: 400 coupon_used_up."""
    coupon = CouponFactory(code="GONE", max_uses=1)
    CouponRedemptionFactory(coupon=coupon)
    add(customer_client, bucket)
    assert_refused(
        apply(customer_client, "GONE"),
        "coupon_used_up",
        "The coupon GONE has been used up.",
    )


def test_coupon_this_customer_already_used_is_coupon_used_up(
    customer_client, customer, bucket
):
    """Per-customer limit reached for this user: 400 coupon_used_up."""
    coupon = CouponFactory(code="ONCE", max_uses_per_user=1)
    CouponRedemptionFactory(coupon=coupon, user=customer)
    add(customer_client, bucket)
    assert_refused(
        apply(customer_client, "ONCE"),
        "coupon_used_up",
        "You have already used the coupon ONCE (it can be used once per customer).",
    )


@pytest.mark.parametrize(
    "body", [{}, {"code": ""}, {"code": 12}, {"code": ["A"]}, {"code": None}]
)
def test_malformed_coupon_bodies_are_400(customer_client, bucket, body):
    """A missing, empty or non-string code is a 400, never a 500."""
    add(customer_client, bucket)
    response = customer_client.put(COUPON_URL, body, format="json")
    assert response.status_code == 400


def test_without_a_cart_the_coupon_endpoint_is_401(api_client):
    """No JWT and no cart token: 401."""
    assert apply(api_client, "ANY").status_code == 401


# --- coupons that stop being valid while in a cart -----------------------------------------


def _cart_with(client, coupon_code: str, product) -> None:
    add(client, product)
    assert apply(client, coupon_code).status_code == 200


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"is_active": False}, "The coupon GOOD is no longer active."),
        ({"valid_until": "past"}, "The coupon GOOD has expired."),
        (
            {"min_subtotal": Decimal("100.00")},
            "The coupon GOOD needs a subtotal of at least $100.00.",
        ),
        ({"max_uses": 1}, "The coupon GOOD has been used up."),
    ],
)
def test_a_coupon_that_stops_applying_is_dropped_with_a_warning(
    customer_client, bucket, change, reason
):
    """Deactivated, expired, minimum raised or used up: the next read drops it, once."""
    coupon = CouponFactory(code="GOOD", percent_off=Decimal("25"))
    _cart_with(customer_client, "GOOD", bucket)
    if change.get("valid_until") == "past":
        change = {"valid_until": timezone.now() - timedelta(seconds=1)}
    Coupon.objects.filter(pk=coupon.pk).update(**change)
    if "max_uses" in change:
        CouponRedemptionFactory(coupon=coupon)
    cart = customer_client.get(CART_URL).json()
    assert cart["coupon"] is None
    assert totals(cart) == ("19.99", "0.00", "0.00", "19.99")
    assert cart["warnings"] == [
        {"code": "coupon_removed", "message": f"The coupon GOOD was removed: {reason}"}
    ]
    # Reported once: the next read is quiet.
    again = customer_client.get(CART_URL).json()
    assert again["coupon"] is None and again["warnings"] == []


def test_removing_the_only_eligible_item_drops_the_coupon(customer_client, bucket):
    """A product-scoped coupon goes when its product leaves the cart."""
    other = ProductFactory(price=Decimal("5.00"))
    CouponFactory(code="BUCKET", products=[bucket], percent_off=Decimal("10"))
    add(customer_client, other)
    _cart_with(customer_client, "BUCKET", bucket)
    response = customer_client.delete(f"{ITEMS_URL}{bucket.variants.get().pk}/")
    assert response.status_code == 200
    cart = customer_client.get(CART_URL).json()
    assert cart["coupon"] is None
    assert [w["code"] for w in response.json()["warnings"] + cart["warnings"]] == [
        "coupon_removed"
    ]


def test_a_product_coupon_covers_every_variant_of_it(customer_client, bucket):
    """A coupon scoped to a product discounts each of its variants in the cart (M and L
    alike), and nothing else."""
    tee = product_with_variants(
        name="Tee",
        options={"Size": ["M", "L"]},
        variants=[
            {"options": {"Size": "M"}, "price": Decimal("10.00"), "stock": 5},
            {"options": {"Size": "L"}, "price": Decimal("12.00"), "stock": 5},
        ],
    )
    for variant in tee.variants.all():
        response = customer_client.post(
            ITEMS_URL, {"variant_id": variant.pk, "quantity": 1}, format="json"
        )
        assert response.status_code == 200, response.json()
    add(customer_client, bucket)
    CouponFactory(code="TEES", products=[tee], percent_off=Decimal("50"))
    cart = apply(customer_client, "TEES").json()
    # 50% of 10.00 + 12.00; the 19.99 bucket is not in the scope.
    assert totals(cart) == ("41.99", "11.00", "0.00", "30.99")
