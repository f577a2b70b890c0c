"""Coupon services: finding codes, every validation reason, usage limits, redeem/release."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.models import Coupon, CouponRedemption
from coupons.services import (
    coupon_check,
    coupon_find,
    coupon_redeem,
    coupon_release,
    coupon_rule,
    coupon_validate,
)
from coupons.tests.factories import CouponFactory, CouponRedemptionFactory, OrderFactory
from pricing.discounts import DiscountRule
from pricing.lines import PricingLine
from shop.exceptions import Conflict, CouponInvalid

pytestmark = pytest.mark.django_db

D = Decimal


def lines_of(*specs) -> list[PricingLine]:
    """(product_id, price, quantity[, category ids]) tuples as pricing lines."""
    return [
        PricingLine(
            product_id=spec[0],
            unit_price=D(spec[1]),
            quantity=spec[2],
            category_ids=frozenset(spec[3]) if len(spec) > 3 else frozenset(),
        )
        for spec in specs
    ]


CART = lines_of((1, "20.00", 2))  # subtotal 40.00


def refused(code: str, **kwargs) -> CouponInvalid:
    with pytest.raises(CouponInvalid) as caught:
        coupon_validate(**kwargs)
    assert caught.value.code == code
    assert caught.value.status_code == 400
    assert caught.value.detail  # a human message, not empty
    return caught.value


# --- coupon_find -------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["WELCOME10", "welcome10", " Welcome10 "])
def test_find_ignores_case_and_spaces(typed):
    """Shoppers may type the code in any case, with stray spaces."""
    coupon = CouponFactory(code="WELCOME10")
    assert coupon_find(code=typed) == coupon


def test_find_matches_a_row_stored_in_lower_case():
    """Even a code written around Coupon.save (lower case) is found."""
    coupon = CouponFactory(code="LOWER")
    Coupon.objects.filter(pk=coupon.pk).update(code="lower")
    assert coupon_find(code="LOWER").pk == coupon.pk


@pytest.mark.parametrize("typed", ["NOPE", "", "   ", "X" * 500])
def test_unknown_or_blank_code_is_coupon_invalid(typed):
    """An unknown, blank or absurdly long code is coupon_invalid with a message."""
    CouponFactory(code="REAL")
    with pytest.raises(CouponInvalid) as caught:
        coupon_find(code=typed)
    assert caught.value.code == "coupon_invalid"
    assert caught.value.as_dict()["detail"]


def test_model_save_stores_codes_upper_case():
    """Codes are normalised on save: stripped and upper-cased."""
    assert CouponFactory(code="  mixedCase ").code == "MIXEDCASE"


# --- coupon_validate: the reason codes ---------------------------------------------------


def test_a_valid_coupon_passes():
    """Active, in its dates, in scope, over the minimum and with uses left: no error,
    and the rule it was checked with comes back to price with."""
    now = timezone.now()
    coupon = CouponFactory(
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=1),
        min_subtotal=D("40.00"),
        max_uses=5,
        max_uses_per_user=1,
    )
    rule = coupon_validate(coupon=coupon, lines=CART, user=UserFactory())
    assert rule == coupon_rule(coupon)


def test_inactive_coupon_is_coupon_invalid():
    """A deactivated coupon is refused as coupon_invalid."""
    error = refused(
        "coupon_invalid", coupon=CouponFactory(code="OFF", is_active=False), lines=CART
    )
    assert error.detail == "The coupon OFF is no longer active."


def test_coupon_not_yet_valid_is_coupon_invalid():
    """Before valid_from the coupon is coupon_invalid ('not valid yet')."""
    now = timezone.now()
    coupon = CouponFactory(code="SOON", valid_from=now + timedelta(minutes=1))
    error = refused("coupon_invalid", coupon=coupon, lines=CART, now=now)
    assert error.detail == "The coupon SOON is not valid yet."
    # From the very start it is valid.
    coupon_validate(coupon=coupon, lines=CART, now=coupon.valid_from)


def test_coupon_past_its_end_is_coupon_expired():
    """At or after valid_until the coupon is coupon_expired."""
    now = timezone.now()
    coupon = CouponFactory(code="OLD", valid_until=now)
    error = refused("coupon_expired", coupon=coupon, lines=CART, now=now)
    assert error.detail == "The coupon OLD has expired."
    coupon_validate(coupon=coupon, lines=CART, now=now - timedelta(microseconds=1))


def test_scope_matching_no_line_is_not_applicable():
    """A coupon for products and categories not in the cart is coupon_not_applicable."""
    elsewhere = CategoryFactory()
    coupon = CouponFactory(
        code="PANS", products=[ProductFactory()], categories=[elsewhere]
    )
    error = refused(
        "coupon_not_applicable",
        coupon=coupon,
        lines=lines_of((999, "5.00", 1, {elsewhere.pk + 1000})),
    )
    assert error.detail == "The coupon PANS does not apply to any item in your cart."


def test_scope_matches_by_product_or_by_ancestor_category():
    """A line matches by its product, or by its category or any ancestor of it."""
    product = ProductFactory()
    home = CategoryFactory()
    by_product = CouponFactory(products=[product])
    by_category = CouponFactory(categories=[home])
    coupon_validate(coupon=by_product, lines=lines_of((product.pk, "5.00", 1)))
    coupon_validate(
        coupon=by_category, lines=lines_of((12345, "5.00", 1, {77, home.pk}))
    )


def test_empty_cart_is_not_applicable():
    """With nothing in the cart, even a whole-cart coupon has nothing to apply to."""
    error = refused("coupon_not_applicable", coupon=CouponFactory(code="ALL"), lines=[])
    assert error.detail == "Add items to your cart to use the coupon ALL."


def test_subtotal_below_minimum_is_coupon_min_subtotal():
    """min_subtotal compares with the cart's whole subtotal, and exactly reaching it is enough."""
    coupon = CouponFactory(code="BIG", min_subtotal=D("50.00"))
    error = refused(
        "coupon_min_subtotal", coupon=coupon, lines=lines_of((1, "24.99", 2))
    )
    assert error.detail == "The coupon BIG needs a subtotal of at least $50.00."
    assert error.as_dict()["min_subtotal"] == "50.00"
    coupon_validate(coupon=coupon, lines=lines_of((1, "25.00", 2)))


def test_min_subtotal_counts_lines_outside_the_scope():
    """The minimum is on the cart's subtotal, not only the lines the coupon covers."""
    product = ProductFactory()
    coupon = CouponFactory(products=[product], min_subtotal=D("50.00"))
    coupon_validate(
        coupon=coupon, lines=lines_of((product.pk, "10.00", 1), (2, "40.00", 1))
    )


def test_total_uses_reached_is_coupon_used_up():
    """When max_uses redemptions exist, everyone gets coupon_used_up."""
    coupon = CouponFactory(code="FIRST2", max_uses=2)
    CouponRedemptionFactory(coupon=coupon)
    coupon_validate(coupon=coupon, lines=CART)
    CouponRedemptionFactory(coupon=coupon)
    error = refused("coupon_used_up", coupon=coupon, lines=CART, user=UserFactory())
    assert error.detail == "The coupon FIRST2 has been used up."


def test_per_user_limit_counts_that_users_redemptions_only():
    """max_uses_per_user: the user who used it is refused, another user is not."""
    coupon = CouponFactory(code="ONCE", max_uses_per_user=1)
    used, fresh = UserFactory(), UserFactory()
    CouponRedemptionFactory(coupon=coupon, user=used, email=used.email)
    error = refused("coupon_used_up", coupon=coupon, lines=CART, user=used)
    assert error.detail == (
        "You have already used the coupon ONCE (it can be used once per customer)."
    )
    coupon_validate(coupon=coupon, lines=CART, user=fresh)
    # Another coupon's redemptions do not count.
    coupon_validate(coupon=CouponFactory(max_uses_per_user=1), lines=CART, user=used)


def test_per_user_limit_for_guests_counts_by_email_ignoring_case():
    """A guest is counted by email, whatever its case; without an email there is no count."""
    coupon = CouponFactory(max_uses_per_user=2)
    CouponRedemptionFactory.create_batch(2, coupon=coupon, email="Guest@Example.com")
    refused("coupon_used_up", coupon=coupon, lines=CART, email="guest@example.COM")
    coupon_validate(coupon=coupon, lines=CART, email="other@example.com")
    coupon_validate(coupon=coupon, lines=CART)


def test_guest_checkouts_with_a_users_email_count_for_that_user():
    """A user cannot dodge the per-user limit by checking out as a guest with their email."""
    coupon = CouponFactory(max_uses_per_user=1)
    user = UserFactory(email="me@example.com")
    CouponRedemptionFactory(coupon=coupon, user=None, email="ME@example.com")
    refused("coupon_used_up", coupon=coupon, lines=CART, user=user)


def test_a_guest_with_a_users_email_counts_that_users_redemptions():
    """And the other way round: the account's uses count for a guest with its email."""
    coupon = CouponFactory(max_uses_per_user=1)
    user = UserFactory(email="me@example.com")
    CouponRedemptionFactory(
        coupon=coupon, user=user, email="shipping@elsewhere.example"
    )
    refused("coupon_used_up", coupon=coupon, lines=CART, email="Me@Example.com")


def test_check_finds_and_validates_in_one_call():
    """coupon_check returns the coupon or raises the reason."""
    coupon = CouponFactory(code="GO")
    assert coupon_check(code="go", lines=CART) == coupon
    with pytest.raises(CouponInvalid) as caught:
        coupon_check(code="go", lines=[])
    assert caught.value.code == "coupon_not_applicable"


# --- coupon_rule -------------------------------------------------------------------------


def test_rule_carries_the_coupons_numbers_and_scope():
    """coupon_rule turns the coupon into the pure maths' DiscountRule."""
    products = ProductFactory.create_batch(2)
    category = CategoryFactory()
    coupon = CouponFactory(
        percent_off=D("20.00"),
        amount_off=D("2.00"),
        max_discount=D("8.00"),
        products=products,
        categories=[category],
    )
    assert coupon_rule(coupon) == DiscountRule(
        percent_off=D("20.00"),
        amount_off=D("2.00"),
        max_discount=D("8.00"),
        product_ids=frozenset(p.pk for p in products),
        category_ids=frozenset({category.pk}),
    )


# --- coupon_redeem / coupon_release ----------------------------------------------------


def test_redeem_records_a_use_with_user_and_email():
    """coupon_redeem writes one redemption; times_used counts it."""
    coupon = CouponFactory()
    user = UserFactory()
    order = OrderFactory(user=user, email="ship@example.com")
    redemption = coupon_redeem(
        coupon=coupon, order=order, user=user, email="ship@example.com"
    )
    assert (redemption.coupon, redemption.order, redemption.user, redemption.email) == (
        coupon,
        order,
        user,
        "ship@example.com",
    )
    assert Coupon.objects.with_times_used().get(pk=coupon.pk).times_used_count == 1


def test_redeem_takes_the_orders_email_for_a_guest():
    """Without an email given, the guest's order email is recorded (for per-guest limits)."""
    order = OrderFactory(email="guest@example.com")
    redemption = coupon_redeem(coupon=CouponFactory(), order=order)
    assert redemption.user is None and redemption.email == "guest@example.com"


def test_redeem_refuses_when_the_limit_was_reached_meanwhile():
    """Re-counted at redeem time: the use past max_uses is coupon_used_up, nothing written."""
    coupon = CouponFactory(max_uses=1)
    CouponRedemptionFactory(coupon=coupon)
    with pytest.raises(CouponInvalid) as caught:
        coupon_redeem(coupon=coupon, order=OrderFactory())
    assert caught.value.code == "coupon_used_up"
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 1


def test_redeem_refuses_a_coupon_deactivated_meanwhile():
    """A coupon switched off after the cart read cannot be redeemed."""
    coupon = CouponFactory()
    Coupon.objects.filter(pk=coupon.pk).update(is_active=False)
    with pytest.raises(CouponInvalid) as caught:
        coupon_redeem(coupon=coupon, order=OrderFactory())
    assert caught.value.code == "coupon_invalid"
    assert not CouponRedemption.objects.exists()


def test_release_gives_the_use_back():
    """A cancelled order's use is deleted, so the coupon can be used again."""
    coupon = CouponFactory(max_uses=1)
    order = OrderFactory()
    coupon_redeem(coupon=coupon, order=order)
    refused("coupon_used_up", coupon=coupon, lines=CART)
    assert coupon_release(order=order) is True
    coupon_validate(coupon=coupon, lines=CART)
    assert coupon_release(order=order) is False  # nothing left to give back


@pytest.mark.django_db(transaction=True)
def test_concurrent_redeems_never_exceed_max_uses():
    """Eight redemptions race for three uses: exactly three get one (coupon_redeem locks
    the coupon row itself)."""
    coupon = CouponFactory(max_uses=3)
    orders = [OrderFactory() for _ in range(8)]
    barrier = threading.Barrier(len(orders))
    outcomes: list[str] = []
    lock = threading.Lock()

    def checkout(order):
        try:
            barrier.wait()
            # No lock taken here: coupon_redeem's own row lock is what is under test.
            with transaction.atomic():
                coupon_redeem(coupon=coupon, order=order)
            result = "ok"
        except CouponInvalid as exc:
            result = exc.code
        finally:
            connection.close()  # each thread has its own connection
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=checkout, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["coupon_used_up"] * 5 + ["ok"] * 3
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 3


# --- deletion ---------------------------------------------------------------------------


def test_delete_refuses_a_used_coupon():
    """A coupon orders used stays, for their history: Conflict coupon_in_use."""
    from coupons.services import coupon_delete

    redemption = CouponRedemptionFactory()
    with pytest.raises(Conflict) as caught:
        coupon_delete(coupon=redemption.coupon)
    assert caught.value.code == "coupon_in_use"
    assert caught.value.status_code == 409


def test_a_second_delete_of_the_same_coupon_is_not_an_error():
    """Two deletes at once: the one that waited for the lock finds the coupon gone,
    which is what it asked for (the API answers 204 both times, never a 500)."""
    from coupons.services import coupon_delete

    coupon = CouponFactory()
    stale = Coupon.objects.get(pk=coupon.pk)  # what the second request had read
    coupon_delete(coupon=coupon)

    coupon_delete(coupon=stale)

    assert not Coupon.objects.filter(pk=coupon.pk).exists()
