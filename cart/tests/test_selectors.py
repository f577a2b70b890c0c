"""Reading a cart (cart.selectors.cart_read) reconciles it with the catalog, variant by
variant; each change is reported once, naming the variant."""

from decimal import Decimal

import pytest

from cart import services
from cart.selectors import cart_read, cart_snapshot
from cart.store import CartLine, get_store
from cart.tests.factories import set_price, set_stock, tee, variant, variant_of
from catalog.models import Variant
from catalog.tests.factories import CategoryFactory, ProductFactory
from catalog.variants import variant_archive
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart():
    return services.cart_create()


def codes(summary):
    return [(w.code, w.variant_id) for w in summary.warnings]


def stored(cart) -> dict[int, CartLine]:
    """The cart's lines as the store holds them, by variant id."""
    return {line.variant_id: line for line in get_store().read(cart.id).lines}


def test_price_change_is_reported_once_and_current_price_used(cart):
    """A variant's new price: price_changed once, totals at the current price."""
    product = ProductFactory(price=Decimal("10.00"), stock=5)
    mug = variant_of(product)
    services.cart_add_item(cart=cart, product_id=product.pk, quantity=2)
    set_price(mug, Decimal("12.50"))
    first = cart_read(cart=cart)
    assert codes(first) == [("price_changed", mug.pk)]
    assert first.warnings[0].product_id == product.pk
    assert first.lines[0].price_changed is True
    assert first.lines[0].unit_price == Decimal("12.50")
    assert first.totals.subtotal == Decimal("25.00")
    second = cart_read(cart=cart)
    assert second.warnings == ()
    assert second.lines[0].price_changed is False
    assert stored(cart)[mug.pk].unit_price == Decimal("12.50")


def test_variants_of_one_product_are_priced_and_warned_each(cart):
    """A tee's M repriced: only its line changes price and is warned; the S keeps its
    price; the line's name is the product's, its options beside it."""
    shirt = tee(price=Decimal("20.00"))
    small, medium = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="M", Colour="Red"),
    )
    services.cart_add_item(cart=cart, variant_id=small.pk)
    services.cart_add_item(cart=cart, variant_id=medium.pk)
    set_price(medium, Decimal("22.00"))

    summary = cart_read(cart=cart)

    assert codes(summary) == [("price_changed", medium.pk)]
    assert summary.warnings[0].message == (
        "The price of Tee — M / Red changed from 20.00 to 22.00."
    )
    assert [(line.name, line.options, line.unit_price, line.price_changed)
            for line in summary.lines] == [
        ("Tee", {"Size": "S", "Colour": "Red"}, Decimal("20.00"), False),
        ("Tee", {"Size": "M", "Colour": "Red"}, Decimal("22.00"), True),
    ]  # fmt: skip
    assert summary.totals.subtotal == Decimal("42.00")


@pytest.mark.parametrize(
    "how",
    ["archived product", "deleted product", "archived variant", "deleted variant"],
)
def test_an_unavailable_variant_leaves_the_cart_once(cart, how):
    """An archived or deleted variant, or one of an archived or deleted product, is
    removed with one product_unavailable warning naming it; the other variant of the
    same product stays when only its sibling went."""
    shirt = tee(price=Decimal("3.00"))
    gone, sibling = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="M", Colour="Red"),
    )
    services.cart_add_item(cart=cart, variant_id=gone.pk)
    services.cart_add_item(cart=cart, variant_id=sibling.pk)
    if how == "archived product":
        shirt.is_active = False
        shirt.save(update_fields=["is_active"])
    elif how == "deleted product":
        shirt.delete()
    elif how == "archived variant":
        variant_archive(variant=gone)
    else:
        Variant.objects.filter(pk=gone.pk).delete()
    whole_product = how.endswith("product")

    first = cart_read(cart=cart)

    expected = [("product_unavailable", gone.pk)]
    if whole_product:
        expected.append(("product_unavailable", sibling.pk))
    assert codes(first) == expected
    product_ids = {w.product_id for w in first.warnings}
    assert product_ids == ({None} if how.startswith("deleted") else {shirt.pk})
    if how == "archived variant":
        assert first.warnings[0].message == (
            "Tee — S / Red is no longer available. It was removed from your cart."
        )
    assert [line.variant_id for line in first.lines] == (
        [] if whole_product else [sibling.pk]
    )
    assert first.totals.total == (Decimal("0.00") if whole_product else Decimal("3.00"))
    assert cart_read(cart=cart).warnings == ()
    assert gone.pk not in stored(cart)


def test_quantity_above_stock_is_lowered_once(cart):
    """A variant's stock fell below the cart's quantity: lowered to it, quantity_reduced
    once; another variant of the product is left as it was."""
    shirt = tee(price=Decimal("2.00"), stock=10)
    short, other = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="S", Colour="Blue"),
    )
    services.cart_add_item(cart=cart, variant_id=short.pk, quantity=8)
    services.cart_add_item(cart=cart, variant_id=other.pk, quantity=8)
    set_stock(short, 3)
    first = cart_read(cart=cart)
    assert codes(first) == [("quantity_reduced", short.pk)]
    assert first.warnings[0].message == (
        "Only 3 of Tee — S / Red left. Your cart now holds 3."
    )
    by_id = {line.variant_id: line for line in first.lines}
    lowered = by_id[short.pk]
    assert (lowered.quantity, lowered.status, lowered.available) == (3, "reduced", 3)
    assert (by_id[other.pk].quantity, by_id[other.pk].status) == (8, "ok")
    assert first.totals.subtotal == Decimal("22.00")
    second = cart_read(cart=cart)
    assert second.warnings == ()
    assert {line.variant_id: line.status for line in second.lines} == {
        short.pk: "ok",
        other.pk: "ok",
    }


def test_out_of_stock_line_is_kept_but_not_totalled(cart):
    """Stock 0: the line stays as out_of_stock, outside the totals, warned once."""
    product = ProductFactory(price=Decimal("5.00"), stock=4)
    gone = variant_of(product)
    other = ProductFactory(price=Decimal("1.00"), stock=4)
    services.cart_add_item(cart=cart, variant_id=gone.pk, quantity=2)
    services.cart_add_item(cart=cart, product_id=other.pk, quantity=1)
    set_stock(gone, 0)
    first = cart_read(cart=cart)
    assert codes(first) == [("out_of_stock", gone.pk)]
    by_id = {line.variant_id: line for line in first.lines}
    assert (
        by_id[gone.pk].status,
        by_id[gone.pk].quantity,
        by_id[gone.pk].line_total,
    ) == ("out_of_stock", 2, Decimal("0.00"))
    assert first.totals.total == Decimal("1.00")
    second = cart_read(cart=cart)
    assert second.warnings == ()
    assert {line.variant_id: line.status for line in second.lines}[
        gone.pk
    ] == "out_of_stock"
    # Back in stock: an ordinary line again, counted.
    set_stock(gone, 9)
    third = cart_read(cart=cart)
    assert third.warnings == ()
    assert third.totals.total == Decimal("11.00")
    assert stored(cart)[gone.pk].out_of_stock_noted is False


def test_write_back_never_undoes_a_concurrent_add(cart):
    """A read's correction is compare-and-set: an add between the read of the cart and
    its write-back wins (the line keeps the added units; the new price waits for the next
    read)."""
    product = ProductFactory(price=Decimal("1.00"), stock=10)
    mug = variant_of(product)
    services.cart_add_item(cart=cart, variant_id=mug.pk, quantity=2)
    set_price(mug, Decimal("2.00"))
    read = cart_snapshot(cart=cart)
    services.cart_add_item(cart=cart, variant_id=mug.pk, quantity=3)

    summary = cart_read(cart=cart, snapshot=read)

    assert codes(summary) == [("price_changed", mug.pk)]
    assert stored(cart)[mug.pk] == CartLine(mug.pk, 5, Decimal("1.00"))
    again = cart_read(cart=cart)
    assert codes(again) == [("price_changed", mug.pk)]
    assert stored(cart)[mug.pk] == CartLine(mug.pk, 5, Decimal("2.00"))


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
    set_price(variant_of(product), Decimal("30.00"))
    dropped = cart_read(cart=cart)
    assert [w.code for w in dropped.warnings] == ["price_changed", "coupon_removed"]
    assert dropped.warnings[1].variant_id is None
    assert dropped.coupon is None
    assert dropped.totals.discount == Decimal("0.00")
    assert get_store().read(cart.id).coupon is None
    assert cart_read(cart=cart).warnings == ()


def test_as_dict_is_the_api_shape_with_variant_ids_in_warnings(cart):
    """The summary as API.md's JSON: each item with its variant, SKU and options; each
    line warning with variant_id and product_id."""
    shirt = tee(price=Decimal("20.00"), stock=5)
    red = variant(shirt, Size="M", Colour="Red")
    services.cart_add_item(cart=cart, variant_id=red.pk, quantity=4)
    set_stock(red, 2)

    data = cart_read(cart=cart).as_dict()

    assert data["items"] == [
        {
            "variant_id": red.pk,
            "product_id": shirt.pk,
            "sku": red.sku,
            "options": {"Size": "M", "Colour": "Red"},
            "slug": shirt.slug,
            "name": "Tee",
            "unit_price": "20.00",
            "quantity": 2,
            "line_total": "40.00",
            "available": 2,
            "status": "reduced",
            "price_changed": False,
        }
    ]
    assert data["warnings"] == [
        {
            "code": "quantity_reduced",
            "variant_id": red.pk,
            "product_id": shirt.pk,
            "message": "Only 2 of Tee — M / Red left. Your cart now holds 2.",
        }
    ]
