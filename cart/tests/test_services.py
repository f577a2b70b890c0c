"""Writes to a cart (cart.services): lines keyed by variant, named by the variant or by a
one-variant product, within stock; coupons; what an order took."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cart import services
from cart.cart import Cart
from cart.selectors import cart_read
from cart.store import CartLine, get_store
from cart.tests.factories import set_stock, tee, variant, variant_of
from catalog.tests.factories import CategoryFactory, ProductFactory
from catalog.variants import variant_archive
from coupons.tests.factories import CouponFactory
from shop.exceptions import CouponInvalid, InsufficientStock, NotFound, ShopError

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart():
    return services.cart_create()


def stored(cart) -> dict[int, CartLine]:
    """The cart's lines as the store holds them, by variant id."""
    return {line.variant_id: line for line in get_store().read(cart.id).lines}


# --- adding: which variant -----------------------------------------------------------------


def test_a_variant_is_added_by_its_id_and_each_variant_is_its_own_line(cart):
    """Two variants of one product are two lines, each with its SKU and options; the
    cart counts one product."""
    shirt = tee(price=Decimal("20.00"))
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="M", Colour="Blue"),
    )

    added = services.cart_add_item(cart=cart, variant_id=red.pk, quantity=2)
    services.cart_add_item(cart=cart, variant_id=blue.pk, quantity=1)
    services.cart_add_item(cart=cart, variant_id=red.pk, quantity=1)

    assert added.variant.id == red.pk and added.variant.name == "Tee — M / Red"
    assert {pk: line.quantity for pk, line in stored(cart).items()} == {
        red.pk: 3,
        blue.pk: 1,
    }
    summary = cart_read(cart=cart)
    assert [(line.variant_id, line.product_id, line.sku, line.options)
            for line in summary.lines] == [
        (red.pk, shirt.pk, red.sku, {"Size": "M", "Colour": "Red"}),
        (blue.pk, shirt.pk, blue.sku, {"Size": "M", "Colour": "Blue"}),
    ]  # fmt: skip
    assert (summary.count, summary.quantity) == (1, 4)
    assert summary.totals.subtotal == Decimal("80.00")


def test_a_one_variant_product_is_added_by_the_products_id(cart):
    """product_id names the only variant of a product without options."""
    mug = ProductFactory(price=Decimal("7.00"), stock=4)

    added = services.cart_add_item(cart=cart, product_id=mug.pk, quantity=2)

    assert added.variant.id == variant_of(mug).pk
    assert stored(cart) == {
        variant_of(mug).pk: CartLine(variant_of(mug).pk, 2, Decimal("7.00"))
    }


def test_the_product_id_of_a_product_with_several_variants_is_variant_required(cart):
    """Which tee? 400 variant_required; nothing is added."""
    shirt = tee()

    with pytest.raises(ShopError) as exc:
        services.cart_add_item(cart=cart, product_id=shirt.pk)

    assert (exc.value.status_code, exc.value.code) == (400, "variant_required")
    assert get_store().exists(cart.id) is True and stored(cart) == {}


@pytest.mark.parametrize(
    "gone", ["archived variant", "archived product", "unknown", "absurd", "a string"]
)
def test_a_variant_not_on_sale_is_404(cart, gone):
    """An archived variant, a variant of an archived product, an unknown or impossible
    id: 404 variant_not_found, nothing added."""
    shirt = tee()
    red = variant(shirt, Size="S", Colour="Red")
    if gone == "archived variant":
        variant_archive(variant=red)
    elif gone == "archived product":
        shirt.is_active = False
        shirt.save(update_fields=["is_active"])
    variant_id = {"unknown": 999_999, "absurd": 2**70, "a string": "1"}.get(
        gone, red.pk
    )

    with pytest.raises(NotFound) as exc:
        services.cart_add_item(cart=cart, variant_id=variant_id)

    assert exc.value.code == "variant_not_found"
    assert stored(cart) == {}


@pytest.mark.parametrize("gone", ["archived product", "archived variant", "unknown"])
def test_a_product_not_on_sale_is_404(cart, gone):
    """product_id of an archived product, of one whose only variant is archived, or of
    no product: 404 product_not_found."""
    mug = ProductFactory(stock=5)
    if gone == "archived product":
        mug.is_active = False
        mug.save(update_fields=["is_active"])
    elif gone == "archived variant":
        variant_archive(variant=variant_of(mug))
    product_id = 999_999 if gone == "unknown" else mug.pk

    with pytest.raises(NotFound) as exc:
        services.cart_add_item(cart=cart, product_id=product_id)

    assert exc.value.code == "product_not_found"
    assert stored(cart) == {}


def test_a_variant_of_another_product_is_404(cart):
    """A form naming a product and a variant of another product (a stale or forged
    page): 404, nothing added; the variant with its own product is fine."""
    shirt, mug = tee(), ProductFactory(stock=5)
    red = variant(shirt, Size="S", Colour="Red")

    with pytest.raises(NotFound) as exc:
        services.cart_add_item(cart=cart, product_id=mug.pk, variant_id=red.pk)

    assert exc.value.code == "variant_not_found"
    assert stored(cart) == {}
    services.cart_add_item(cart=cart, product_id=shirt.pk, variant_id=red.pk)
    assert set(stored(cart)) == {red.pk}


def test_stock_is_the_variants_own(cart):
    """The last unit of one variant is refused beyond it (naming the variant), while
    another variant of the same product has plenty."""
    shirt = tee(stock=10)
    scarce, plenty = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="M", Colour="Red"),
    )
    set_stock(scarce, 1)
    services.cart_add_item(cart=cart, variant_id=scarce.pk)

    with pytest.raises(InsufficientStock) as exc:
        services.cart_add_item(cart=cart, variant_id=scarce.pk)

    assert exc.value.extra == {
        "available": 1, "product_id": shirt.pk, "variant_id": scarce.pk
    }  # fmt: skip
    assert exc.value.detail == "Only 1 of Tee — S / Red left."
    services.cart_add_item(cart=cart, variant_id=plenty.pk, quantity=10)
    assert {pk: line.quantity for pk, line in stored(cart).items()} == {
        scarce.pk: 1,
        plenty.pk: 10,
    }


def test_set_and_remove_name_the_variant(cart):
    """Setting one variant's line leaves the other variant's alone; removing a variant
    not in the cart is 404 not_in_cart; setting an archived variant is 404."""
    shirt = tee()
    red, blue = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="S", Colour="Blue"),
    )
    services.cart_add_item(cart=cart, variant_id=red.pk)
    services.cart_add_item(cart=cart, variant_id=blue.pk)

    services.cart_set_item(cart=cart, variant_id=red.pk, quantity=4)
    services.cart_remove_item(cart=cart, variant_id=blue.pk)

    assert {pk: line.quantity for pk, line in stored(cart).items()} == {red.pk: 4}
    with pytest.raises(NotFound) as exc:
        services.cart_remove_item(cart=cart, variant_id=blue.pk)
    assert exc.value.code == "not_in_cart"
    variant_archive(variant=red)
    with pytest.raises(NotFound):
        services.cart_set_item(cart=cart, variant_id=red.pk, quantity=2)
    assert stored(cart)[red.pk].quantity == 4


# --- coupons -------------------------------------------------------------------------------


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


def test_a_product_coupon_discounts_every_variant_of_it(cart):
    """A coupon scoped to a product applies to each of its variants."""
    shirt, mug = tee(price=Decimal("20.00")), ProductFactory(price=Decimal("10.00"))
    CouponFactory(code="TEES", percent_off=Decimal("50"), products=[shirt])
    for size in ("S", "M"):
        services.cart_add_item(
            cart=cart, variant_id=variant(shirt, Size=size, Colour="Red").pk
        )
    services.cart_add_item(cart=cart, product_id=mug.pk)
    services.cart_apply_coupon(cart=cart, code="TEES")
    summary = cart_read(cart=cart)
    assert (summary.totals.discount, summary.totals.total) == (
        Decimal("20.00"),
        Decimal("30.00"),
    )


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
    assert (snapshot.coupon, [line.variant_id for line in snapshot.lines]) == (
        None,
        [variant_of(product).pk],
    )


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


# --- the session's cart, what an order took ------------------------------------------------


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
    it was being placed stay, another variant of the same product among them; a cart
    left empty is gone."""
    shirt = tee()
    ordered, added = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="M", Colour="Red"),
    )
    CouponFactory(code="USED")
    cart = Cart.for_user(customer)
    services.cart_add_item(cart=cart, variant_id=ordered.pk, quantity=2)
    services.cart_apply_coupon(cart=cart, code="USED")
    services.cart_add_item(cart=cart, variant_id=ordered.pk, quantity=1)  # meanwhile
    services.cart_add_item(cart=cart, variant_id=added.pk, quantity=4)  # meanwhile

    services.cart_take_ordered(cart=cart, lines=[(ordered.pk, 2)], coupon="USED")

    snapshot = get_store().read(cart.id)
    assert {line.variant_id: line.quantity for line in snapshot.lines} == {
        ordered.pk: 1,
        added.pk: 4,
    }
    assert snapshot.coupon is None
    services.cart_take_ordered(
        cart=cart, lines=[(ordered.pk, 1), (added.pk, 4)], coupon=None
    )
    assert get_store().exists(cart.id) is False
