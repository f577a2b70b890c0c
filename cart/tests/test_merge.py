"""Merging an anonymous cart into a user's (cart.services.cart_merge): line by line per
variant, clamped to each variant's stock, the source gone after, once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from cart import services
from cart.cart import Cart
from cart.store import get_store
from cart.tests.factories import set_stock, tee, variant, variant_of
from catalog.tests.factories import ProductFactory
from catalog.variants import variant_archive
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


def quantities(cart) -> dict[int, int]:
    """The cart's quantities as the store holds them, by variant id."""
    return {line.variant_id: line.quantity for line in get_store().read(cart.id).lines}


def test_merge_service_reports_what_changed(customer):
    """cart_merge: quantities add, clamped to stock; gone products dropped; warnings say so."""
    plenty = variant_of(ProductFactory(price=Decimal("1.00"), stock=10))
    scarce = variant_of(ProductFactory(price=Decimal("1.00"), stock=3))
    archived = ProductFactory(price=Decimal("1.00"), stock=3)
    source = services.cart_create()
    target = Cart.for_user(customer)
    services.cart_add_item(cart=source, variant_id=plenty.pk, quantity=2)
    services.cart_add_item(cart=source, variant_id=scarce.pk, quantity=2)
    services.cart_add_item(cart=source, product_id=archived.pk, quantity=1)
    services.cart_add_item(cart=target, variant_id=plenty.pk, quantity=1)
    services.cart_add_item(cart=target, variant_id=scarce.pk, quantity=2)
    archived.is_active = False
    archived.save(update_fields=["is_active"])
    result = services.cart_merge(source=source, target=target)
    assert result.merged is True
    assert (result.moved_lines, result.moved_units) == (2, 3)
    assert sorted((w.code, w.variant_id) for w in result.warnings) == sorted(
        [
            ("quantity_reduced", scarce.pk),
            ("product_unavailable", variant_of(archived).pk),
        ]
    )
    assert quantities(target) == {plenty.pk: 3, scarce.pk: 3}
    assert get_store().exists(source.id) is False
    assert services.cart_merge(source=source, target=target).merged is False


def test_merge_is_per_variant_and_clamped_to_each_variants_stock(customer):
    """The same tee in two sizes: each line adds to the same variant's line only and is
    clamped to that variant's stock; an archived variant is dropped with a warning
    naming it, its siblings move."""
    shirt = tee(price=Decimal("20.00"), stock=10)
    small = variant(shirt, Size="S", Colour="Red")
    medium = variant(shirt, Size="M", Colour="Red")
    archived = variant(shirt, Size="M", Colour="Blue")
    source, target = services.cart_create(), Cart.for_user(customer)
    for line, quantity in ((small, 3), (medium, 4), (archived, 1)):
        services.cart_add_item(cart=source, variant_id=line.pk, quantity=quantity)
    services.cart_add_item(cart=target, variant_id=small.pk, quantity=2)
    set_stock(medium, 2)
    variant_archive(variant=archived)

    result = services.cart_merge(source=source, target=target)

    assert quantities(target) == {small.pk: 5, medium.pk: 2}
    assert [(w.code, w.variant_id, w.product_id, w.message) for w in result.warnings] == [
        ("quantity_reduced", medium.pk, shirt.pk,
         "Tee — M / Red: you wanted 4, your cart now holds 2."),
        ("product_unavailable", archived.pk, shirt.pk,
         "Tee — M / Blue is no longer available."),
    ]  # fmt: skip
    assert (result.moved_lines, result.moved_units) == (2, 5)


def test_merge_keeps_the_line_limit_and_moves_a_coupon_only_to_a_cart_without(
    customer, settings
):
    """Lines that would take the target past CART_MAX_LINES stay out, each with a
    warning; the source's coupon moves only when the target has none."""
    settings.CART_MAX_LINES = 2
    mine, first, second = ProductFactory.create_batch(3, stock=5)
    CouponFactory(code="SOURCE")
    CouponFactory(code="OTHER")
    source = services.cart_create()
    services.cart_add_item(cart=source, product_id=first.pk, quantity=1)
    services.cart_add_item(cart=source, product_id=second.pk, quantity=1)
    services.cart_apply_coupon(cart=source, code="SOURCE")
    target = Cart.for_user(customer)
    services.cart_add_item(cart=target, product_id=mine.pk, quantity=1)

    result = services.cart_merge(source=source, target=target)

    assert result.coupon_moved is True
    assert [(w.code, w.variant_id) for w in result.warnings] == [
        ("product_unavailable", variant_of(second).pk)
    ]
    assert result.warnings[0].message == (
        f"{second.name} could not be added to your cart."
    )
    assert set(quantities(target)) == {variant_of(mine).pk, variant_of(first).pk}
    assert get_store().read(target.id).coupon == "SOURCE"

    other = services.cart_create()
    services.cart_add_item(cart=other, product_id=first.pk, quantity=1)
    services.cart_apply_coupon(cart=other, code="OTHER")
    assert services.cart_merge(source=other, target=target).coupon_moved is False
    assert get_store().read(target.id).coupon == "SOURCE"


@pytest.mark.django_db(transaction=True)
def test_a_merge_run_twice_at_once_moves_the_lines_once(customer):
    """Two sign-ins merging the same anonymous cart at the same moment (real threads):
    the source is read and deleted in one step, so its units arrive once."""
    mug = variant_of(ProductFactory(stock=50))
    source = services.cart_create()
    services.cart_add_item(cart=source, variant_id=mug.pk, quantity=3)
    target = Cart.for_user(customer)
    barrier = threading.Barrier(4)
    results = []

    def merge():
        barrier.wait()
        try:
            results.append(services.cart_merge(source=source, target=target).merged)
        finally:
            connection.close()

    threads = [threading.Thread(target=merge) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, False, False, True]
    assert quantities(target) == {mug.pk: 3}
