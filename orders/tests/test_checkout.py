"""Checkout (orders.checkout.order_place): all or nothing, one order per key and per
cart revision, and the races for stock, for a coupon's last use and for one cart."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from cart.store import CartLine, get_store
from cart.tests.factories import tee, variant, variant_of
from catalog.models import StockMovement, Variant
from catalog.stock import lock_variants
from catalog.tests.factories import CategoryFactory, ProductFactory
from catalog.variants import variant_archive
from coupons.models import Coupon, CouponRedemption
from orders.checkout import order_place, revision_key
from orders.models import IdempotencyKey, Order
from orders.tests.carts import cart_with
from orders.tests.threads import run_concurrently
from shop.exceptions import CheckoutConflict, EmptyCart, NotFound

ADDRESS = {
    "shipping_name": "Grace Hopper",
    "shipping_address": "1 Harbour Way\nArlington",
}


def place(cart, *, user=None, email="guest@example.com", key=None):
    return order_place(
        cart=cart, user=user, email=email, idempotency_key=key, **ADDRESS
    )


def stocks() -> dict[int, int]:
    """Every variant's stock, by variant id."""
    return dict(Variant.objects.values_list("pk", "stock"))


@pytest.mark.django_db
def test_checkout_creates_order_takes_stock_and_redeems_coupon(settings, customer):
    """Order with snapshots (variant, SKU, options) and totals from the pricing
    function; each variant's stock and the coupon taken."""
    settings.SHOP_TAX_RATE = Decimal("0.0825")
    kitchen = CategoryFactory()
    a = variant_of(ProductFactory(price=Decimal("19.99"), stock=5, category=kitchen))
    shirt = tee(price=Decimal("4.35"), stock=3)
    b = variant(shirt, Size="M", Colour="Red")
    coupon = Coupon.objects.create(code="KITCHEN10", percent_off=Decimal("10"))
    coupon.categories.add(kitchen)
    cart = cart_with([(a, 2), (b, 3)], coupon="kitchen10", user=customer)

    placed = place(cart, user=customer, email=customer.email, key="k-1")

    order = placed.order
    assert placed.created is True
    assert order.status == Order.Status.PENDING and order.user == customer
    # 39.98 + 13.05 = 53.03; 10% of the kitchen line 39.98 = 4.00; tax 8.25% of 49.03 = 4.04
    assert (order.subtotal, order.discount, order.tax, order.total) == (
        Decimal("53.03"), Decimal("4.00"), Decimal("4.04"), Decimal("53.07"),
    )  # fmt: skip
    assert order.coupon_code == "KITCHEN10" and order.currency == "USD"
    items = [
        (i.product_id, i.variant_id, i.sku, i.options, i.product_name, i.name,
         i.unit_price, i.quantity)
        for i in order.items.all()
    ]  # fmt: skip
    assert items == [
        (a.product_id, a.pk, a.sku, {}, a.product.name, a.product.name,
         Decimal("19.99"), 2),
        (shirt.pk, b.pk, b.sku, {"Size": "M", "Colour": "Red"}, "Tee", "Tee — M / Red",
         Decimal("4.35"), 3),
    ]  # fmt: skip
    assert stocks()[a.pk] == 3
    assert {v.options["Colour"] + v.options["Size"]: v.stock
            for v in shirt.variants.all()} == {
        "RedS": 3, "BlueS": 3, "RedM": 0, "BlueM": 3
    }  # fmt: skip
    movements = StockMovement.objects.filter(
        order=order, reason=StockMovement.Reason.CHECKOUT
    )
    assert sorted(movements.values_list("variant_id", "delta")) == sorted(
        [(a.pk, -2), (b.pk, -3)]
    )
    assert CouponRedemption.objects.get(order=order).coupon == coupon
    assert IdempotencyKey.objects.get(owner=cart.owner, key="k-1").order == order


@pytest.mark.django_db
def test_checkout_of_empty_cart_is_400():
    """An empty (or unknown) cart cannot be checked out: EmptyCart, 400."""
    with pytest.raises(EmptyCart) as exc:
        place(cart_with([]))
    assert exc.value.status_code == 400 and exc.value.code == "cart_empty"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_checkout_reports_every_problem_and_changes_nothing():
    """An archived product, an archived variant, sold-out and short variants and a bad
    coupon all listed in one 409, each line by its variant; nothing changes."""
    fine = variant_of(ProductFactory(stock=5))
    archived = variant_of(ProductFactory(stock=5, is_active=False))
    shirt = tee(stock=5)
    retired = variant(shirt, Size="S", Colour="Red")
    sold_out = variant(shirt, Size="S", Colour="Blue")
    short = variant(shirt, Size="M", Colour="Red")
    Coupon.objects.create(code="OFF", percent_off=Decimal("5"), is_active=False)
    lines = [(fine, 1), (archived, 1), (retired, 1), (sold_out, 2), (short, 3)]
    cart = cart_with(lines, coupon="OFF")
    variant_archive(variant=retired)
    Variant.objects.filter(pk=sold_out.pk).update(stock=0)
    Variant.objects.filter(pk=short.pk).update(stock=2)
    before = stocks()

    with pytest.raises(CheckoutConflict) as exc:
        place(cart)

    assert exc.value.status_code == 409 and exc.value.code == "checkout_conflict"
    problems = [
        {k: v for k, v in p.items() if k != "detail"}
        for p in exc.value.extra["problems"]
    ]
    keys = ("product_id", "variant_id", "code", "requested", "available")
    assert [tuple(p[k] for k in keys) for p in problems] == [
        (archived.product_id, archived.pk, "product_unavailable", 1, 0),
        (shirt.pk, retired.pk, "product_unavailable", 1, 0),
        (shirt.pk, sold_out.pk, "out_of_stock", 2, 0),
        (shirt.pk, short.pk, "insufficient_stock", 3, 2),
        (None, None, "coupon_invalid", None, None),
    ]
    assert exc.value.extra["problems"][3]["detail"] == "Only 2 of Tee — M / Red left."
    assert not Order.objects.exists()
    assert not StockMovement.objects.exists()
    assert stocks() == before
    snapshot = get_store().read(cart.id)
    assert [(line.variant_id, line.quantity) for line in snapshot.lines] == [
        (item.pk, quantity) for item, quantity in lines
    ]
    assert snapshot.coupon == "OFF"


@pytest.mark.django_db
@pytest.mark.parametrize("deleted", ["product", "variant"])
def test_a_deleted_variant_in_the_cart_is_a_problem(deleted):
    """A variant (or its product) deleted since it was added is reported as
    unavailable, by its variant id (its product is no longer known)."""
    shirt = tee()
    gone = variant(shirt, Size="S", Colour="Red")
    cart = cart_with([(gone, 1)])
    gone_pk = gone.pk
    (shirt if deleted == "product" else gone).delete()
    with pytest.raises(CheckoutConflict) as exc:
        place(cart)
    [problem] = exc.value.extra["problems"]
    assert (problem["variant_id"], problem["product_id"], problem["code"]) == (
        gone_pk,
        None,
        "product_unavailable",
    )


@pytest.mark.django_db
def test_same_idempotency_key_returns_the_same_order():
    """A repeated key gives the first order back (created=False), never a second one."""
    product = ProductFactory(stock=5)
    cart = cart_with([(product, 1)])
    first = place(cart, key="abc")
    cart_with([])  # unrelated cart, to show keys are per owner
    second = place(cart, key="abc")
    assert second.created is False and second.order.pk == first.order.pk
    assert Order.objects.count() == 1
    assert variant_of(product).stock == 4


@pytest.mark.django_db
def test_idempotency_keys_are_per_cart_owner():
    """The same key from another cart owner is a different checkout."""
    product = ProductFactory(stock=5)
    one = place(cart_with([(product, 1)]), key="same")
    two = place(cart_with([(product, 1)]), key="same")
    assert one.order.pk != two.order.pk and two.created is True


@pytest.mark.django_db(transaction=True)
def test_forty_buyers_race_for_ten_units():
    """40 carts of 1 unit each, stock 10, all at once: exactly 10 orders, the rest 409."""
    product = ProductFactory(stock=10)
    carts = [cart_with([(product, 1)]) for _ in range(40)]

    results = run_concurrently(40, lambda i: place(carts[i], email=f"b{i}@example.com"))

    placed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(placed) == 10 and len(refused) == 30
    assert all(isinstance(r, CheckoutConflict) for r in refused), refused
    assert all(r.extra["problems"][0]["code"] == "out_of_stock" for r in refused)
    assert variant_of(product).stock == 0
    assert Order.objects.count() == 10
    movements = StockMovement.objects.filter(
        variant=variant_of(product), reason="checkout"
    )
    assert movements.count() == 10
    assert sorted(movements.values_list("stock_after", flat=True)) == list(range(10))


@pytest.mark.django_db(transaction=True)
def test_last_coupon_use_raced_goes_to_exactly_one_order():
    """max_uses=1 raced by 8 checkouts: one order gets it; the others a coupon problem, no order."""
    Coupon.objects.create(code="LAST", amount_off=Decimal("5.00"), max_uses=1)
    carts = [cart_with([(ProductFactory(price=Decimal("20.00")), 1)], coupon="LAST")]
    carts += [cart_with([(ProductFactory(price=Decimal("20.00")), 1)], coupon="LAST")
              for _ in range(7)]  # fmt: skip

    results = run_concurrently(8, lambda i: place(carts[i], email=f"c{i}@example.com"))

    placed = [r for r in results if not isinstance(r, Exception)]
    assert len(placed) == 1 and placed[0].order.discount == Decimal("5.00")
    refused = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, CheckoutConflict) for r in refused), refused
    assert {r.extra["problems"][0]["code"] for r in refused} == {"coupon_used_up"}
    assert Order.objects.count() == 1 and CouponRedemption.objects.count() == 1
    assert StockMovement.objects.filter(reason="checkout").count() == 1


@pytest.mark.django_db(transaction=True)
def test_same_key_sent_concurrently_makes_one_order():
    """Five requests with one Idempotency-Key at once: one order, all answers name it."""
    product = ProductFactory(stock=10)
    cart = cart_with([(product, 2)])

    results = run_concurrently(5, lambda i: place(cart, key="double-click"))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.order.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Order.objects.count() == 1
    assert variant_of(product).stock == 8
    assert not get_store().exists(cart.id)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("owner", ["user", "guest"])
def test_double_submit_without_a_key_orders_the_cart_once(owner):
    """Five checkouts of one cart at once, no Idempotency-Key: one order; the others wait
    for the owner's lock, then find the cart's revision already ordered (or the cart
    emptied) and answer "cart empty". A guest's cart, deleted once emptied, may instead
    be gone by then: "unknown cart" (404), as for any later request."""
    product = ProductFactory(stock=10)
    user = UserFactory() if owner == "user" else None
    cart = cart_with([(product, 2)], user=user)
    email = user.email if user else "guest@example.com"

    results = run_concurrently(5, lambda i: place(cart, user=user, email=email))

    placed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(placed) == 1 and placed[0].created, results
    if owner == "user":
        assert all(isinstance(r, EmptyCart) for r in refused), results
    else:
        assert all(
            isinstance(r, EmptyCart)
            or (isinstance(r, NotFound) and r.code == "cart_not_found")
            for r in refused
        ), results
    assert Order.objects.count() == 1
    assert variant_of(product).stock == 8
    assert not get_store().exists(cart.id)


@pytest.mark.django_db
def test_what_was_ordered_leaves_the_cart_on_commit_and_what_came_meanwhile_stays(
    django_capture_on_commit_callbacks,
):
    """Once the checkout commits, its lines and coupon leave the cart; a line added, or
    units added to an ordered line, while it was being placed stay in the cart."""
    shirt = tee(stock=9)
    ordered = variant(shirt, Size="S", Colour="Red")
    added = variant(shirt, Size="S", Colour="Blue")
    Coupon.objects.create(code="TEN", percent_off=Decimal("10"))
    cart = cart_with([(ordered, 2)], coupon="TEN")
    store = get_store()

    with django_capture_on_commit_callbacks() as callbacks:
        placed = place(cart)
        # Not yet committed: the cart is as it was.
        assert [line.quantity for line in store.read(cart.id).lines] == [2]
    store.add(cart.id, CartLine(ordered.pk, 1, ordered.price))
    store.add(cart.id, CartLine(added.pk, 4, added.price))
    for callback in callbacks:
        callback()

    snapshot = store.read(cart.id)
    assert [(line.variant_id, line.quantity) for line in snapshot.lines] == [
        (ordered.pk, 1),
        (added.pk, 4),
    ]
    assert snapshot.coupon is None
    assert placed.order.items.get().quantity == 2


@pytest.mark.django_db
def test_a_cart_revision_already_ordered_is_an_empty_cart(
    django_capture_on_commit_callbacks,
):
    """A second checkout of the same cart revision (the first's emptying of the cart not
    done yet, or lost to a Redis error) answers "cart empty" and orders nothing more;
    once the cart is written again (a new revision) it can be ordered."""
    product = ProductFactory(stock=9)
    cart = cart_with([(product, 2)])
    revision = get_store().read(cart.id).revision

    with django_capture_on_commit_callbacks():  # the cart is never emptied
        first = place(cart)
    with pytest.raises(EmptyCart):
        place(cart)

    assert IdempotencyKey.objects.get(key=revision_key(revision)).order == first.order
    assert Order.objects.count() == 1
    assert variant_of(product).stock == 7
    get_store().add(cart.id, CartLine(variant_of(product).pk, 1, product.price))
    again = place(cart)
    assert again.created and again.order.items.get().quantity == 3


@pytest.mark.django_db(transaction=True)
def test_a_lock_on_one_variant_never_holds_up_a_buyer_of_another():
    """While a transaction holds the row of the tee in S / Red (a checkout or a cancel
    of it under way), a checkout of the S / Blue completes at once; a checkout of the
    S / Red waits for it, then completes."""
    shirt = tee(stock=5)
    red, blue = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="S", Colour="Blue"),
    )
    red_cart, blue_cart = cart_with([(red, 1)]), cart_with([(blue, 1)])
    locked, release = threading.Event(), threading.Event()
    results = {}

    def hold_red():
        try:
            with transaction.atomic():
                lock_variants([red.pk])
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    def buy(name, cart):
        try:
            results[name] = place(cart, email=f"{name}@example.com")
        finally:
            connection.close()

    holder = threading.Thread(target=hold_red)
    holder.start()
    assert locked.wait(10)
    red_buyer = threading.Thread(target=buy, args=("red", red_cart))
    blue_buyer = threading.Thread(target=buy, args=("blue", blue_cart))
    try:
        red_buyer.start()
        blue_buyer.start()
        blue_buyer.join(10)
        assert not blue_buyer.is_alive() and results["blue"].created
        assert red_buyer.is_alive() and "red" not in results  # waiting for the row
    finally:
        release.set()
        holder.join()
        red_buyer.join(10)
    assert results["red"].created
    assert (stocks()[red.pk], stocks()[blue.pk]) == (4, 4)
