"""Catalog services: product create/update/archive, categories, the stock service
(catalog.stock) with its ledger, the availability rule and the product reads."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.availability import availability
from catalog.models import Category, Product, StockMovement, Variant
from catalog.selectors import (
    VariantRow,
    category_descendant_ids,
    category_lineage_map,
    product_text_search,
    product_variant_rows,
    variant_rows,
)
from catalog.services import (
    category_create,
    category_delete,
    category_update,
    product_archive,
    product_create,
    product_update,
)
from catalog.stock import (
    MAX_STOCK,
    StockChange,
    lock_variants,
    stock_adjust,
    stock_apply,
    stock_edit,
)
from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    VariantFactory,
    product_with_variants,
)
from shop.exceptions import Conflict, InsufficientStock, NotFound, ShopError

pytestmark = pytest.mark.django_db


def variant_of(product) -> Variant:
    return product.variants.get()


def test_product_create_writes_initial_movement(seller):
    """A product created with stock has one INITIAL movement matching it."""
    category = CategoryFactory()
    product = product_create(
        seller=seller,
        name="Red Kettle",
        price=Decimal("30.00"),
        category=category,
        stock=12,
    )
    assert product.slug == "red-kettle"
    assert product.stock == 12
    variant = variant_of(product)
    assert (variant.price, variant.stock, variant.options) == (Decimal("30.00"), 12, {})
    movement = variant.movements.get()
    assert (movement.delta, movement.stock_after, movement.reason) == (
        12,
        12,
        "initial",
    )


def test_product_create_slug_suffix_skips_taken_numbers(seller):
    """Slug collisions take the next number above the highest in use."""
    category = CategoryFactory()
    ProductFactory(name="Lamp", slug="lamp")
    ProductFactory(name="Lamp", slug="lamp-7")
    product = product_create(
        seller=seller, name="Lamp", price=Decimal("1.00"), category=category
    )
    assert product.slug == "lamp-8"


@pytest.mark.parametrize("stock", [-1, 1_000_001])
def test_product_create_refuses_bad_stock(seller, stock):
    """Negative or absurd initial stock is refused before anything is written."""
    with pytest.raises(ValidationError) as error:
        product_create(
            seller=seller,
            name="X",
            price=Decimal("1.00"),
            category=CategoryFactory(),
            stock=stock,
        )
    assert list(error.value.message_dict) == ["stock"]
    assert not Product.objects.exists()


def test_product_update_refuses_stock(seller):
    """product_update never writes stock: that is the stock service's job."""
    product = ProductFactory(stock=4)
    with pytest.raises(ShopError) as error:
        product_update(product=product, user=seller, stock=10)
    assert error.value.code == "stock_read_only"
    product.refresh_from_db()
    assert product.stock == 4


def test_product_update_does_not_overwrite_concurrent_stock(seller):
    """Saving descriptive fields from a stale object leaves the current stock alone."""
    product = ProductFactory(stock=4)
    stale = Product.objects.get(pk=product.pk)
    stock_adjust(
        variant=variant_of(product), delta=6, reason=StockMovement.Reason.ADJUSTMENT
    )
    product_update(product=stale, user=seller, name="Renamed")
    product.refresh_from_db()
    assert (product.name, product.stock) == ("Renamed", 10)


def test_product_archive_hides_product():
    """Archiving sets is_active False and keeps the row."""
    product = product_archive(product=ProductFactory())
    assert Product.objects.get(pk=product.pk).is_active is False


def test_stock_apply_is_all_or_nothing():
    """If one change would go below zero, none of the changes is applied."""
    a, b = VariantFactory(stock=5), VariantFactory(stock=1)
    with pytest.raises(InsufficientStock) as error:
        stock_apply(
            changes=[StockChange(a.pk, -2), StockChange(b.pk, -2)],
            reason=StockMovement.Reason.CHECKOUT,
        )
    assert error.value.extra == {
        "available": 1,
        "variant_id": b.pk,
        "product_id": b.product_id,
    }
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.stock, b.stock) == (5, 1)
    assert not StockMovement.objects.exists()


def test_stock_adjust_refuses_to_pass_max_stock():
    """An adjustment may not lift stock above MAX_STOCK (the limit of create and the
    admin); nothing changes. Returning stock from a cancelled order is not capped."""
    product = VariantFactory(stock=MAX_STOCK - 5)
    with pytest.raises(ShopError) as error:
        stock_adjust(variant=product, delta=6, reason=StockMovement.Reason.ADJUSTMENT)
    assert error.value.code == "invalid_stock"
    assert error.value.status_code == 400
    product.refresh_from_db()
    assert product.stock == MAX_STOCK - 5
    assert not StockMovement.objects.exists()

    adjusted = stock_adjust(
        variant=product, delta=5, reason=StockMovement.Reason.ADJUSTMENT
    )
    assert adjusted.stock == MAX_STOCK
    restocked = stock_apply(
        changes=[StockChange(product.pk, 1)], reason=StockMovement.Reason.CANCEL
    )
    assert restocked[product.pk].stock == MAX_STOCK + 1


def test_stock_apply_unknown_variant_is_not_found():
    """An unknown variant id is NotFound."""
    with pytest.raises(NotFound):
        stock_apply(
            changes=[StockChange(999999, 1)], reason=StockMovement.Reason.ADJUSTMENT
        )


def test_stock_edit_records_the_editors_change_as_one_movement(staff_user):
    """An editor shown 10 who types 3 takes 7: one movement of -7 with its user."""
    product = VariantFactory(stock=10)
    product = stock_edit(
        variant=product,
        shown=10,
        wanted=3,
        reason=StockMovement.Reason.ADMIN,
        user=staff_user,
    )
    assert product.stock == 3
    movement = StockMovement.objects.get()
    assert (movement.delta, movement.stock_after, movement.reason, movement.user) == (
        -7,
        3,
        "admin",
        staff_user,
    )


@pytest.mark.parametrize(
    ("shown", "wanted", "expected"),
    [
        (10, 15, 12),  # +5 on the 7 left after 3 sales
        (10, 2, 0),  # -8 on 7: never below zero
        (10, 10, 7),  # no change typed: the sales stay sold
        (0, MAX_STOCK + 100, MAX_STOCK),  # never above MAX_STOCK
    ],
)
def test_stock_edit_applies_the_change_to_the_stock_as_it_is_now(
    shown, wanted, expected
):
    """The editor's change (wanted - shown) applies to the stock at saving, under the row
    lock, kept within 0..MAX_STOCK; no change writes no movement."""
    product = VariantFactory(stock=10)
    stock_adjust(variant=product, delta=-3, reason=StockMovement.Reason.CHECKOUT)
    product = stock_edit(variant=product.pk, shown=shown, wanted=wanted, reason="admin")
    assert product.stock == expected
    admin = StockMovement.objects.filter(reason="admin")
    assert admin.count() == (0 if expected == 7 else 1)


def test_stock_edit_never_lowers_a_stock_above_the_cap_when_asked_for_more():
    """Returns from cancelled orders may lift stock above MAX_STOCK: an editor adding
    more leaves it there (no movement); taking some away still works."""
    product = VariantFactory(stock=MAX_STOCK + 5)
    same = stock_edit(variant=product, shown=MAX_STOCK + 5, wanted=MAX_STOCK + 9,
                      reason="admin")  # fmt: skip
    assert same.stock == MAX_STOCK + 5
    assert not StockMovement.objects.exists()
    less = stock_edit(variant=product, shown=MAX_STOCK + 5, wanted=MAX_STOCK + 1,
                      reason="admin")  # fmt: skip
    assert less.stock == MAX_STOCK + 1


def test_stock_edit_of_an_unknown_variant_is_not_found():
    """Editing a variant that no longer exists is NotFound."""
    with pytest.raises(NotFound):
        stock_edit(variant=999999, shown=1, wanted=2, reason="admin")


def test_stock_apply_uses_the_rows_the_caller_locked():
    """Checkout locks its variants first and passes them: the changes apply to those
    rows and each leaves a movement with the order's reason."""
    a, b = VariantFactory(stock=5), VariantFactory(stock=8)
    with transaction.atomic():
        locked = lock_variants([b.pk, a.pk, 999999])
        assert list(locked) == [a.pk, b.pk]  # key order; unknown ids left out
        changed = stock_apply(
            changes=[StockChange(a.pk, -2), StockChange(b.pk, 0)],
            reason=StockMovement.Reason.CHECKOUT,
            locked=locked,
        )
    assert {pk: p.stock for pk, p in changed.items()} == {a.pk: 3}
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.stock, b.stock) == (3, 8)
    assert list(StockMovement.objects.values_list("variant_id", "delta")) == [
        (a.pk, -2)
    ]


def test_insufficient_stock_is_worded_by_the_availability_rule():
    """Taking more than is left says how many are left, as the cart and checkout do."""
    product = ProductFactory(name="Mug", stock=2)
    variant = variant_of(product)
    with pytest.raises(InsufficientStock) as error:
        stock_adjust(variant=variant, delta=-3, reason="adjustment")
    assert error.value.detail == "Only 2 of Mug left."
    assert error.value.extra == {
        "available": 2,
        "variant_id": variant.pk,
        "product_id": product.pk,
    }
    empty = ProductFactory(name="Pan", stock=0)
    with pytest.raises(InsufficientStock) as error:
        stock_adjust(variant=variant_of(empty), delta=-1, reason="adjustment")
    assert error.value.detail == "Pan is out of stock."
    tee = product_with_variants(
        name="Tee",
        options={"Size": ["M"], "Colour": ["Red"]},
        variants=[{"options": {"Size": "M", "Colour": "Red"}, "stock": 1}],
    )
    with pytest.raises(InsufficientStock) as error:
        stock_adjust(variant=variant_of(tee), delta=-2, reason="adjustment")
    assert error.value.detail == "Only 1 of Tee — M / Red left."


def test_a_refused_adjustment_inside_a_transaction_leaves_it_usable():
    """stock_adjust refused inside the caller's transaction undoes only itself: the
    caller's transaction goes on and commits its other work."""
    product = VariantFactory(stock=1)
    with transaction.atomic():
        with pytest.raises(InsufficientStock):
            stock_adjust(variant=product, delta=-2, reason="adjustment")
        stock_adjust(variant=product, delta=4, reason="adjustment")
    product.refresh_from_db()
    assert product.stock == 5
    assert StockMovement.objects.get().delta == 4


# --- the availability rule ---------------------------------------------------------


@pytest.mark.parametrize(
    ("stock", "active", "requested", "status", "available", "quantity", "message"),
    [
        (5, True, 3, "ok", 5, 3, ""),
        (5, True, 5, "ok", 5, 5, ""),
        (3, True, 5, "reduced", 3, 3, "Only 3 of Mug left."),
        (0, True, 1, "out_of_stock", 0, 0, "Mug is out of stock."),
        (5, False, 1, "unavailable", 0, 0, "Mug is no longer available."),
    ],
)
def test_availability_judges_and_words_a_line(
    stock, active, requested, status, available, quantity, message
):
    """How many units can be had, in the shop's one wording."""
    product = ProductFactory.build(name="Mug", is_active=active, variant=None)
    variant = VariantFactory.build(product=product, stock=stock)
    result = availability(variant, requested)
    assert (result.status, result.requested, result.available) == (
        status,
        requested,
        available,
    )
    assert (result.quantity, result.message, result.ok) == (
        quantity,
        message,
        status == "ok",
    )


def test_availability_of_a_deleted_product_is_unavailable():
    """A product that is gone (None) is 'no longer available', nothing can be had."""
    result = availability(None, 2)
    assert (result.status, result.available, result.quantity) == ("unavailable", 0, 0)
    assert result.message == "This product is no longer available."


def test_availability_accepts_a_variant_row():
    """The cart judges the rows it reads (VariantRow), not only model instances."""
    product = ProductFactory(name="Lamp", stock=1)
    row = variant_rows([variant_of(product).pk])[variant_of(product).pk]
    assert availability(row, 2).message == "Only 1 of Lamp left."


def test_an_archived_variant_of_an_active_product_is_unavailable():
    """A variant taken off sale cannot be had, though its product is on sale."""
    variant = VariantFactory(stock=5, is_active=False)
    assert availability(variant, 1).status == "unavailable"
    row = variant_rows([variant.pk])[variant.pk]
    assert (availability(row, 1).status, row.on_sale) == ("unavailable", False)


# --- reads ---------------------------------------------------------------------------


def test_variant_rows_read_any_state_and_leave_out_unknown_ids():
    """variant_rows: one row per existing id, archived ones included; unknown ids and
    an empty list give nothing."""
    active = ProductFactory(name="A", price=Decimal("2.50"), stock=3)
    archived = ProductFactory(name="B", is_active=False, stock=0)
    a, b = variant_of(active), variant_of(archived)
    rows = variant_rows([a.pk, b.pk, 999999])
    assert rows == {
        a.pk: VariantRow(a.pk, active.pk, a.sku, {}, Decimal("2.50"), 3, True, True,
                         "A", active.slug, active.category_id),
        b.pk: VariantRow(b.pk, archived.pk, b.sku, {}, Decimal("19.99"), 0, True,
                         False, "B", archived.slug, archived.category_id),
    }  # fmt: skip
    assert variant_rows([]) == {}


def test_product_variant_rows_tell_one_variant_from_several():
    """What an add by product_id reads: the one variant's row; two rows for a product of
    several variants; none for an unknown product."""
    single = ProductFactory()
    assert [r.id for r in product_variant_rows(single.pk)] == [variant_of(single).pk]
    tee = product_with_variants(
        options={"Size": ["S", "M", "L"]},
        variants=[{"options": {"Size": s}} for s in ("S", "M", "L")],
    )
    assert len(product_variant_rows(tee.pk)) == 2
    assert product_variant_rows(999999) == []


def test_category_lineage_is_the_category_and_its_ancestors():
    """What a coupon's scope matches: a category, its parent, its grandparent."""
    home = CategoryFactory(name="Home")
    kitchen = CategoryFactory(name="Kitchen", parent=home)
    knives = CategoryFactory(name="Knives", parent=kitchen)
    lineage = category_lineage_map()
    assert lineage[knives.pk] == {knives.pk, kitchen.pk, home.pk}
    assert lineage[home.pk] == {home.pk}


def test_category_create_update_delete():
    """Categories are created with a slug from the name, moved, and deleted when empty."""
    parent = category_create(name="Home & Garden")
    assert parent.slug == "home-garden"
    child = category_create(name="Lamps", parent=parent)
    assert category_descendant_ids(parent) == {parent.pk, child.pk}
    with pytest.raises(Conflict):
        category_create(name="Lamps")
    with pytest.raises(ShopError) as error:
        category_update(category=parent, parent=child)
    assert error.value.code == "category_cycle"
    with pytest.raises(Conflict):
        category_delete(category=parent)
    category_delete(category=child)
    category_delete(category=parent)
    assert not Category.objects.exists()


def test_category_delete_with_archived_products_is_conflict():
    """Archived products still hold their category: deleting it is a Conflict."""
    product = ProductFactory(is_active=False)
    with pytest.raises(Conflict):
        category_delete(category=product.category)


def test_product_text_search_matches_every_word():
    """Search keeps products whose name or description contain every word."""
    mug = ProductFactory(name="Blue Mug", description="ceramic")
    ProductFactory(name="Blue Pan", description="iron")
    found = product_text_search(Product.objects.all(), "blue CERAMIC")
    assert list(found) == [mug]


def test_an_archived_products_stock_is_judged_by_its_stock_alone():
    """A seller adjusting an archived product is told the units there are, not that
    the product is no longer on sale."""
    product = ProductFactory(name="Old Mug", stock=3, is_active=False)
    variant = variant_of(product)
    with pytest.raises(InsufficientStock) as error:
        stock_adjust(variant=variant, delta=-5, reason="adjustment")
    assert error.value.detail == "Only 3 of Old Mug left."
    assert error.value.extra["available"] == 3
    assert stock_adjust(variant=variant, delta=-3, reason="adjustment").stock == 0
