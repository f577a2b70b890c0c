"""A stock change rewrites no index entry on PostgreSQL (a HOT update, catalog.0005):
the checkout writes its products' stock on every order."""

import pytest
from django.db import connection

from catalog.models import StockMovement
from catalog.services import StockChange, stock_adjust, stock_apply
from catalog.tests.factories import ProductFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="HOT updates are PostgreSQL's"
    ),
]


def _updates() -> tuple[int, int]:
    """This transaction's (updates, HOT updates) of product rows so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(c.oid), "
            "pg_stat_get_xact_tuples_hot_updated(c.oid) "
            "FROM pg_class c WHERE c.relname = 'catalog_product'"
        )
        return cursor.fetchone()


def test_stock_changes_are_heap_only_updates():
    products = [ProductFactory(stock=50) for _ in range(3)]
    before = _updates()

    stock_apply(
        changes=[StockChange(p.pk, -2) for p in products],
        reason=StockMovement.Reason.CHECKOUT,
    )
    stock_adjust(product=products[0], delta=5, reason=StockMovement.Reason.ADJUSTMENT)

    updated, hot = (after - was for after, was in zip(_updates(), before, strict=True))
    assert updated == 4
    assert hot == 4, (
        "an index on stock or updated_at makes every checkout write indexes"
    )


def test_the_product_table_leaves_room_for_new_row_versions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'catalog_product'"
        )
        assert "fillfactor=85" in cursor.fetchone()[0]
