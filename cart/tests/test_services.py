"""Reading a cart reconciles it with the catalog; each change is reported once."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from cart import services
from cart.cart import Cart
from cart.selectors import cart_read, cart_snapshot
from cart.store import CartLine, get_store
from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.tests.factories import CouponFactory
from shop.exceptions import CouponInvalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart():
    return services.cart_create()


def codes(summary):
    return [(w.code, w.product_id) for w in summary.warnings]


def stored(cart) -> dict[int, CartLine]:
    """The cart's lines as the store holds them, by product id."""
    return {line.product_id: line for line in get_store().read(cart.id).lines}


def test_price_change_is_reported_once_and_current_price_used(cart):
    """A new catalog price: price_changed once, totals at the current price."""
    product = ProductFactory(price=Decimal("10.00"), stock=5)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=2)
    product.price = Decimal("12.50")
    product.save()
    first = cart_read(cart=cart)
    assert codes(first) == [("price_changed", product.pk)]
    assert first.lines[0].price_changed is True
    assert first.lines[0].unit_price == Decimal("12.50")
    assert first.totals.subtotal == Decimal("25.00")
    second = cart_read(cart=cart)
    assert second.warnings == ()
    assert second.lines[0].price_changed is False
    assert stored(cart)[product.pk].unit_price == Decimal("12.50")


@pytest.mark.parametrize("how", ["archived", "deleted"])
def test_unavailable_product_leaves_the_cart_once(cart, how):
    """An archived or deleted product is removed with one product_unavailable warning."""
    gone = ProductFactory(stock=5)
    kept = ProductFactory(price=Decimal("3.00"), stock=5)
    services.cart_add_item(cart=cart, product_id=gone.pk, quantity=1)
    services.cart_add_item(cart=cart, product_id=kept.pk, quantity=1)
    gone_id = gone.pk
    if how == "archived":
        gone.is_active = False
        gone.save()
    else:
        gone.delete()
    first = cart_read(cart=cart)
    assert codes(first) == [("product_unavailable", gone_id)]
    assert [line.product_id for line in first.lines] == [kept.pk]
    assert first.totals.total == Decimal("3.00")
    assert cart_read(cart=cart).warnings == ()
    assert gone_id not in stored(cart)


def test_quantity_above_stock_is_lowered_once(cart):
    """Stock fell below the cart's quantity: lowered to it, quantity_reduced once."""
    product = ProductFactory(price=Decimal("2.00"), stock=10)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=8)
    product.stock = 3
    product.save()
    first = cart_read(cart=cart)
    assert codes(first) == [("quantity_reduced", product.pk)]
    line = first.lines[0]
    assert (line.quantity, line.status, line.available) == (3, "reduced", 3)
    assert first.totals.subtotal == Decimal("6.00")
    second = cart_read(cart=cart)
    assert second.warnings == ()
    assert (second.lines[0].quantity, second.lines[0].status) == (3, "ok")


def test_out_of_stock_line_is_kept_but_not_totalled(cart):
    """Stock 0: the line stays as out_of_stock, outside the totals, warned once."""
    gone = ProductFactory(price=Decimal("5.00"), stock=4)
    other = ProductFactory(price=Decimal("1.00"), stock=4)
    services.cart_add_item(cart=cart, product_id=gone.pk, quantity=2)
    services.cart_add_item(cart=cart, product_id=other.pk, quantity=1)
    gone.stock = 0
    gone.save()
    first = cart_read(cart=cart)
    assert codes(first) == [("out_of_stock", gone.pk)]
    by_id = {line.product_id: line for line in first.lines}
    assert (
        by_id[gone.pk].status,
        by_id[gone.pk].quantity,
        by_id[gone.pk].line_total,
    ) == ("out_of_stock", 2, Decimal("0.00"))
    assert first.totals.total == Decimal("1.00")
    second = cart_read(cart=cart)
    assert second.warnings == ()
    assert {line.product_id: line.status for line in second.lines}[
        gone.pk
    ] == "out_of_stock"
    # Back in stock: an ordinary line again, counted.
    gone.stock = 9
    gone.save()
    third = cart_read(cart=cart)
    assert third.warnings == ()
    assert third.totals.total == Decimal("11.00")
    assert stored(cart)[gone.pk].out_of_stock_noted is False


def test_write_back_never_undoes_a_concurrent_add(cart):
    """A read's correction is compare-and-set: an add between the read of the cart and
    its write-back wins (the line keeps the added units; the new price waits for the next
    read)."""
    product = ProductFactory(price=Decimal("1.00"), stock=10)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=2)
    product.price = Decimal("2.00")
    product.save()
    read = cart_snapshot(cart=cart)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=3)

    summary = cart_read(cart=cart, snapshot=read)

    assert codes(summary) == [("price_changed", product.pk)]
    assert stored(cart)[product.pk] == CartLine(product.pk, 5, Decimal("1.00"))
    again = cart_read(cart=cart)
    assert codes(again) == [("price_changed", product.pk)]
    assert stored(cart)[product.pk] == CartLine(product.pk, 5, Decimal("2.00"))


def test_coupon_is_revalidated_on_read(cart):
    """A coupon that no longer applies is dropped with coupon_removed; a valid one discounts."""
    category = CategoryFactory()
    product = ProductFactory(price=Decimal("50.00"), stock=5, category=category)
    CouponFactory(
        code="TENOFF",
        name="Ten off",
        percent_off=Decimal("10"),
        min_subtotal=Decimal("40.00"),
    )
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=1)
    assert services.cart_apply_coupon(cart=cart, code="tenoff") == "TENOFF"
    summary = cart_read(cart=cart)
    assert summary.coupon == ("TENOFF", "Ten off")
    assert summary.totals.discount == Decimal("5.00")
    assert summary.totals.total == Decimal("45.00")
    product.price = Decimal("30.00")
    product.save()
    dropped = cart_read(cart=cart)
    assert [w.code for w in dropped.warnings] == ["price_changed", "coupon_removed"]
    assert dropped.coupon is None
    assert dropped.totals.discount == Decimal("0.00")
    assert get_store().read(cart.id).coupon is None
    assert cart_read(cart=cart).warnings == ()


def test_coupon_scope_uses_the_category_lineage(cart):
    """A coupon on a parent category discounts a product of a sub-category."""
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    inside = ProductFactory(price=Decimal("20.00"), stock=5, category=child)
    outside = ProductFactory(price=Decimal("10.00"), stock=5)
    CouponFactory(code="KITCHEN", percent_off=Decimal("50"), categories=[parent])
    services.cart_add_item(cart=cart, product_id=inside.pk, quantity=1)
    services.cart_add_item(cart=cart, product_id=outside.pk, quantity=1)
    services.cart_apply_coupon(cart=cart, code="KITCHEN")
    summary = cart_read(cart=cart)
    assert summary.totals.discount == Decimal("10.00")
    assert summary.totals.total == Decimal("20.00")


def test_invalid_coupons_are_refused_with_their_code(cart):
    """Unknown, expired and out-of-scope codes raise CouponInvalid with the reason code;
    nothing is stored."""
    product = ProductFactory(stock=5)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=1)
    now = timezone.now()
    CouponFactory(
        code="OLD",
        valid_from=now - timedelta(days=9),
        valid_until=now - timedelta(days=1),
    )
    CouponFactory(code="ELSEWHERE", products=[ProductFactory()])
    for code, reason in (
        ("NOPE", "coupon_invalid"),
        ("OLD", "coupon_expired"),
        ("ELSEWHERE", "coupon_not_applicable"),
    ):
        with pytest.raises(CouponInvalid) as exc:
            services.cart_apply_coupon(cart=cart, code=code)
        assert exc.value.code == reason
    assert get_store().read(cart.id).coupon is None


def test_a_coupon_on_an_empty_cart_is_refused_and_creates_no_cart(customer):
    """A user without a cart (or with an empty one) cannot hold a coupon: refused as not
    applicable, and no cart is created for it."""
    CouponFactory(code="EMPTY")
    cart = Cart.for_user(customer)
    with pytest.raises(CouponInvalid) as exc:
        services.cart_apply_coupon(cart=cart, code="EMPTY")
    assert exc.value.code == "coupon_not_applicable"
    assert get_store().exists(cart.id) is False


def test_removing_a_coupon_never_creates_a_cart(customer):
    """Taking the coupon off a cart that does not exist leaves it not existing; off a
    cart that has one, the coupon is gone and the lines stay."""
    cart = Cart.for_user(customer)
    services.cart_remove_coupon(cart=cart)
    assert get_store().exists(cart.id) is False
    product = ProductFactory(stock=5)
    CouponFactory(code="OFF")
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=1)
    services.cart_apply_coupon(cart=cart, code="OFF")
    services.cart_remove_coupon(cart=cart)
    snapshot = get_store().read(cart.id)
    assert (snapshot.coupon, [line.product_id for line in snapshot.lines]) == (
        None,
        [product.pk],
    )


def test_pending_session_cart_costs_nothing_until_written():
    """A visitor's new session cart reads as empty without creating a cart, and its token
    is saved in the session on its first write."""
    session = {}
    cart = Cart.for_session(session)
    assert cart.pending is True
    assert cart_read(cart=cart).lines == ()
    services.cart_remove_coupon(cart=cart)
    services.cart_clear(cart=cart)
    assert get_store().exists(cart.id) is False
    assert session == {}
    product = ProductFactory(stock=3)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=1)
    assert session == {"cart_token": cart.token}
    assert Cart.for_session(session).id == cart.id
    assert get_store().exists(cart.id) is True


def test_take_ordered_leaves_what_was_added_meanwhile(customer):
    """What an order took leaves the cart (its coupon too); units and lines added while
    it was being placed stay; a cart left empty is gone."""
    ordered, added = ProductFactory(stock=10), ProductFactory(stock=10)
    CouponFactory(code="USED")
    cart = Cart.for_user(customer)
    services.cart_add_item(cart=cart, product_id=ordered.pk, quantity=2)
    services.cart_apply_coupon(cart=cart, code="USED")
    services.cart_add_item(cart=cart, product_id=ordered.pk, quantity=1)  # meanwhile
    services.cart_add_item(cart=cart, product_id=added.pk, quantity=4)  # meanwhile

    services.cart_take_ordered(cart=cart, lines=[(ordered.pk, 2)], coupon="USED")

    snapshot = get_store().read(cart.id)
    assert {line.product_id: line.quantity for line in snapshot.lines} == {
        ordered.pk: 1,
        added.pk: 4,
    }
    assert snapshot.coupon is None
    services.cart_take_ordered(
        cart=cart, lines=[(ordered.pk, 1), (added.pk, 4)], coupon=None
    )
    assert get_store().exists(cart.id) is False


def test_merge_service_reports_what_changed(customer):
    """cart_merge: quantities add, clamped to stock; gone products dropped; warnings say so."""
    plenty = ProductFactory(price=Decimal("1.00"), stock=10)
    scarce = ProductFactory(price=Decimal("1.00"), stock=3)
    archived = ProductFactory(price=Decimal("1.00"), stock=3)
    source = services.cart_create()
    target = Cart.for_user(customer)
    services.cart_add_item(cart=source, product_id=plenty.pk, quantity=2)
    services.cart_add_item(cart=source, product_id=scarce.pk, quantity=2)
    services.cart_add_item(cart=source, product_id=archived.pk, quantity=1)
    services.cart_add_item(cart=target, product_id=plenty.pk, quantity=1)
    services.cart_add_item(cart=target, product_id=scarce.pk, quantity=2)
    archived.is_active = False
    archived.save()
    result = services.cart_merge(source=source, target=target)
    assert result.merged is True
    assert (result.moved_lines, result.moved_units) == (2, 6)
    assert sorted((w.code, w.product_id) for w in result.warnings) == sorted(
        [("quantity_reduced", scarce.pk), ("product_unavailable", archived.pk)]
    )
    assert {pid: line.quantity for pid, line in stored(target).items()} == {
        plenty.pk: 3,
        scarce.pk: 3,
    }
    assert get_store().exists(source.id) is False
    assert services.cart_merge(source=source, target=target).merged is False


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
    assert [(w.code, w.product_id) for w in result.warnings] == [
        ("product_unavailable", second.pk)
    ]
    assert result.warnings[0].message == (
        f"{second.name} could not be added to your cart."
    )
    assert set(stored(target)) == {mine.pk, first.pk}
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
    product = ProductFactory(stock=50)
    source = services.cart_create()
    services.cart_add_item(cart=source, product_id=product.pk, quantity=3)
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
    assert stored(target)[product.pk].quantity == 3


def test_a_coupon_is_not_put_on_a_cart_destroyed_after_it_was_read(monkeypatch):
    """A checkout (or a clear) that destroys a user's cart between the coupon's check
    and its write: the coupon no longer applies to anything, and no cart holding only a
    coupon comes back. (An API token's cart is 404 instead: test_api.) The cart is
    destroyed right after the service's read: no setting can place a write there."""
    from accounts.tests.factories import UserFactory

    cart = Cart.for_user(UserFactory())

    product = ProductFactory(price=Decimal("50.00"), stock=5)
    CouponFactory(code="RACE", name="Race")
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=1)
    read = services.cart_read

    def read_then_destroyed(**kwargs):
        summary = read(**kwargs)
        get_store().destroy(cart.id)
        return summary

    monkeypatch.setattr(services, "cart_read", read_then_destroyed)

    with pytest.raises(CouponInvalid) as exc:
        services.cart_apply_coupon(cart=cart, code="RACE")

    assert exc.value.code == "coupon_not_applicable"
    assert get_store().exists(cart.id) is False
