"""Reading a cart reconciles it with the catalog; each change is reported once."""

from decimal import Decimal

import pytest

from cart import services
from cart.cart import Cart
from cart.store import CartLine, get_store
from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.models import Coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart():
    return services.cart_create()


def codes(summary):
    return [(w.code, w.product_id) for w in summary.warnings]


def test_price_change_is_reported_once_and_current_price_used(cart):
    """A new catalog price: price_changed once, totals at the current price."""
    product = ProductFactory(price=Decimal("10.00"), stock=5)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=2)
    product.price = Decimal("12.50")
    product.save()
    first = services.cart_read(cart=cart)
    assert codes(first) == [("price_changed", product.pk)]
    assert first.lines[0].price_changed is True
    assert first.lines[0].unit_price == Decimal("12.50")
    assert first.totals.subtotal == Decimal("25.00")
    second = services.cart_read(cart=cart)
    assert second.warnings == ()
    assert second.lines[0].price_changed is False
    assert get_store().get(cart.id, product.pk).unit_price == Decimal("12.50")


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
    first = services.cart_read(cart=cart)
    assert codes(first) == [("product_unavailable", gone_id)]
    assert [line.product_id for line in first.lines] == [kept.pk]
    assert first.totals.total == Decimal("3.00")
    assert services.cart_read(cart=cart).warnings == ()
    assert get_store().contains(cart.id, gone_id) is False


def test_quantity_above_stock_is_lowered_once(cart):
    """Stock fell below the cart's quantity: lowered to it, quantity_reduced once."""
    product = ProductFactory(price=Decimal("2.00"), stock=10)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=8)
    product.stock = 3
    product.save()
    first = services.cart_read(cart=cart)
    assert codes(first) == [("quantity_reduced", product.pk)]
    line = first.lines[0]
    assert (line.quantity, line.status, line.available) == (3, "reduced", 3)
    assert first.totals.subtotal == Decimal("6.00")
    second = services.cart_read(cart=cart)
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
    first = services.cart_read(cart=cart)
    assert codes(first) == [("out_of_stock", gone.pk)]
    by_id = {line.product_id: line for line in first.lines}
    assert (
        by_id[gone.pk].status,
        by_id[gone.pk].quantity,
        by_id[gone.pk].line_total,
    ) == ("out_of_stock", 2, Decimal("0.00"))
    assert first.totals.total == Decimal("1.00")
    second = services.cart_read(cart=cart)
    assert second.warnings == ()
    assert {line.product_id: line.status for line in second.lines}[
        gone.pk
    ] == "out_of_stock"
    # Back in stock: an ordinary line again, counted.
    gone.stock = 9
    gone.save()
    third = services.cart_read(cart=cart)
    assert third.warnings == ()
    assert third.totals.total == Decimal("11.00")
    assert get_store().get(cart.id, gone.pk).out_of_stock_noted is False


def test_write_back_never_undoes_a_concurrent_add(cart, monkeypatch):
    """A read's correction is compare-and-set: a write in between wins."""
    product = ProductFactory(price=Decimal("1.00"), stock=10)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=2)
    product.price = Decimal("2.00")
    product.save()
    store = get_store()
    real_snapshot = store.snapshot

    def snapshot_then_concurrent_add(cart_id, **kwargs):
        snap = real_snapshot(cart_id, **kwargs)
        store.add(cart_id, product.pk, 3, Decimal("1.00"))
        return snap

    monkeypatch.setattr(store, "snapshot", snapshot_then_concurrent_add)
    services.cart_read(cart=cart)
    assert store.get(cart.id, product.pk) == CartLine(product.pk, 5, Decimal("1.00"))


def test_coupon_is_revalidated_on_read(cart):
    """A coupon that no longer applies is dropped with coupon_removed; a valid one discounts."""
    category = CategoryFactory()
    product = ProductFactory(price=Decimal("50.00"), stock=5, category=category)
    Coupon.objects.create(
        code="TENOFF",
        name="Ten off",
        percent_off=Decimal("10"),
        min_subtotal=Decimal("40.00"),
    )
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=1)
    services.cart_apply_coupon(cart=cart, code="tenoff")
    summary = services.cart_read(cart=cart)
    assert summary.coupon == services.CouponInfo("TENOFF", "Ten off")
    assert summary.totals.discount == Decimal("5.00")
    assert summary.totals.total == Decimal("45.00")
    product.price = Decimal("30.00")
    product.save()
    dropped = services.cart_read(cart=cart)
    assert [w.code for w in dropped.warnings] == ["price_changed", "coupon_removed"]
    assert dropped.coupon is None
    assert dropped.totals.discount == Decimal("0.00")
    assert get_store().get_coupon(cart.id) is None
    assert services.cart_read(cart=cart).warnings == ()


def test_coupon_scope_uses_the_category_lineage(cart):
    """A coupon on a parent category discounts a product of a sub-category."""
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    inside = ProductFactory(price=Decimal("20.00"), stock=5, category=child)
    outside = ProductFactory(price=Decimal("10.00"), stock=5)
    coupon = Coupon.objects.create(code="KITCHEN", percent_off=Decimal("50"))
    coupon.categories.add(parent)
    services.cart_add_item(cart=cart, product_id=inside.pk, quantity=1)
    services.cart_add_item(cart=cart, product_id=outside.pk, quantity=1)
    services.cart_apply_coupon(cart=cart, code="KITCHEN")
    summary = services.cart_read(cart=cart)
    assert summary.totals.discount == Decimal("10.00")
    assert summary.totals.total == Decimal("20.00")


def test_invalid_coupons_are_refused_with_their_code(cart):
    """Unknown and expired codes raise CouponInvalid with the reason code; nothing stored."""
    from django.utils import timezone

    from shop.exceptions import CouponInvalid

    product = ProductFactory(stock=5)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=1)
    Coupon.objects.create(
        code="OLD",
        percent_off=Decimal("10"),
        valid_from=timezone.now() - timezone.timedelta(days=9),
        valid_until=timezone.now() - timezone.timedelta(days=1),
    )
    for code, reason in (("NOPE", "coupon_invalid"), ("OLD", "coupon_expired")):
        with pytest.raises(CouponInvalid) as exc:
            services.cart_apply_coupon(cart=cart, code=code)
        assert exc.value.code == reason
    assert get_store().get_coupon(cart.id) is None


def test_pending_session_cart_costs_nothing_until_written():
    """A visitor's new session cart reads as empty without a store call, saved on write."""
    session = {}
    cart = Cart.for_session(session)
    assert cart.pending is True
    assert services.cart_read(cart=cart).lines == ()
    assert get_store().exists(cart.id) is False
    assert session == {}
    product = ProductFactory(stock=3)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=1)
    assert session == {"cart_token": cart.token}
    assert Cart.for_session(session).id == cart.id


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
    assert sorted((w.code, w.product_id) for w in result.warnings) == sorted(
        [("quantity_reduced", scarce.pk), ("product_unavailable", archived.pk)]
    )
    assert {
        line.product_id: line.quantity for line in get_store().lines(target.id)
    } == {
        plenty.pk: 3,
        scarce.pk: 3,
    }
    assert get_store().exists(source.id) is False
    assert services.cart_merge(source=source, target=target).merged is False


def test_a_coupon_is_not_put_on_a_cart_destroyed_after_it_was_read(monkeypatch):
    """A checkout (or a clear) that destroys a user's cart between the coupon's check
    and its write: the coupon no longer applies to anything, and no cart holding only a
    coupon comes back. (An API token's cart is 404 instead: test_api.)"""
    from accounts.tests.factories import UserFactory
    from shop.exceptions import CouponInvalid

    cart = Cart.for_user(UserFactory())

    product = ProductFactory(price=Decimal("50.00"), stock=5)
    Coupon.objects.create(code="RACE", name="Race", percent_off=Decimal("10"))
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
