"""Catalog services: product create/update/archive, categories, and the stock ledger."""

from decimal import Decimal

import pytest

from catalog.models import Category, Product, StockMovement
from catalog.selectors import category_descendant_ids, product_text_search
from catalog.services import (
    MAX_STOCK,
    StockChange,
    category_create,
    category_delete,
    category_update,
    product_archive,
    product_create,
    product_update,
    stock_adjust,
    stock_apply,
    stock_set,
)
from catalog.tests.factories import CategoryFactory, ProductFactory
from shop.exceptions import Conflict, InsufficientStock, NotFound, ShopError

pytestmark = pytest.mark.django_db


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
    movement = product.movements.get()
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
    with pytest.raises(ShopError):
        product_create(
            seller=seller,
            name="X",
            price=Decimal("1.00"),
            category=CategoryFactory(),
            stock=stock,
        )
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
    stock_adjust(product=product, delta=6, reason=StockMovement.Reason.ADJUSTMENT)
    product_update(product=stale, user=seller, name="Renamed")
    product.refresh_from_db()
    assert (product.name, product.stock) == ("Renamed", 10)


def test_product_archive_hides_product():
    """Archiving sets is_active False and keeps the row."""
    product = product_archive(product=ProductFactory())
    assert Product.objects.get(pk=product.pk).is_active is False


def test_stock_apply_is_all_or_nothing():
    """If one change would go below zero, none of the changes is applied."""
    a, b = ProductFactory(stock=5), ProductFactory(stock=1)
    with pytest.raises(InsufficientStock) as error:
        stock_apply(
            changes=[StockChange(a.pk, -2), StockChange(b.pk, -2)],
            reason=StockMovement.Reason.CHECKOUT,
        )
    assert error.value.extra["available"] == 1
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.stock, b.stock) == (5, 1)
    assert not StockMovement.objects.exists()


def test_stock_adjust_refuses_to_pass_max_stock():
    """An adjustment may not lift stock above MAX_STOCK (the limit of create and the
    admin); nothing changes. Returning stock from a cancelled order is not capped."""
    product = ProductFactory(stock=MAX_STOCK - 5)
    with pytest.raises(ShopError) as error:
        stock_adjust(product=product, delta=6, reason=StockMovement.Reason.ADJUSTMENT)
    assert error.value.code == "invalid_stock"
    assert error.value.status_code == 400
    product.refresh_from_db()
    assert product.stock == MAX_STOCK - 5
    assert not StockMovement.objects.exists()

    adjusted = stock_adjust(
        product=product, delta=5, reason=StockMovement.Reason.ADJUSTMENT
    )
    assert adjusted.stock == MAX_STOCK
    restocked = stock_apply(
        changes=[StockChange(product.pk, 1)], reason=StockMovement.Reason.CANCEL
    )
    assert restocked[product.pk].stock == MAX_STOCK + 1


def test_stock_apply_unknown_product_is_not_found():
    """An unknown product id is NotFound."""
    with pytest.raises(NotFound):
        stock_apply(
            changes=[StockChange(999999, 1)], reason=StockMovement.Reason.ADJUSTMENT
        )


def test_stock_set_records_difference(staff_user):
    """stock_set writes the difference as one movement."""
    product = ProductFactory(stock=10)
    product = stock_set(
        product=product, stock=3, reason=StockMovement.Reason.ADMIN, user=staff_user
    )
    assert product.stock == 3
    movement = StockMovement.objects.get()
    assert (movement.delta, movement.stock_after, movement.reason, movement.user) == (
        -7,
        3,
        "admin",
        staff_user,
    )


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
