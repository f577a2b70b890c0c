"""Stock never goes below zero under concurrent adjustments (real threads, PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from catalog.models import Product, StockMovement
from catalog.stock import StockChange, stock_adjust, stock_apply
from catalog.tests.factories import ProductFactory
from conftest import client_for
from shop.exceptions import InsufficientStock

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


def run_in_threads(count: int, work) -> list:
    """Start ``count`` threads at once on ``work(i)``; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_adjustments_never_oversell():
    """Eight threads each take 3 of 10: exactly three succeed, stock ends at 1, ledger agrees."""
    product = ProductFactory(stock=10)
    results = run_in_threads(
        8, lambda i: stock_adjust(product=product.pk, delta=-3, reason="adjustment")
    )
    successes = [r for r in results if isinstance(r, Product)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(successes) == 3
    assert len(refused) == 5
    product.refresh_from_db()
    assert product.stock == 1
    movements = StockMovement.objects.filter(product=product)
    assert movements.count() == 3
    assert sorted(m.stock_after for m in movements) == [1, 4, 7]


@pytest.mark.django_db(transaction=True)
def test_concurrent_multi_product_changes_do_not_deadlock():
    """Changes to the same products in opposite orders finish without deadlock."""
    a, b = ProductFactory(stock=100), ProductFactory(stock=100)

    def work(i):
        order = [a.pk, b.pk] if i % 2 else [b.pk, a.pk]
        return stock_apply(
            changes=[StockChange(pk, -1) for pk in order], reason="checkout"
        )

    results = run_in_threads(6, work)
    assert all(isinstance(r, dict) for r in results), results
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.stock, b.stock) == (94, 94)


@pytest.mark.django_db(transaction=True)
def test_concurrent_api_adjustments(seller):
    """Two concurrent API adjustments of -5 on a stock of 6: one 200, one 409, stock 1."""
    product = ProductFactory(seller=seller, stock=6)
    url = f"/api/v1/products/{product.pk}/adjust-stock/"
    results = run_in_threads(
        2,
        lambda i: (
            client_for(seller).post(url, {"delta": -5}, format="json").status_code
        ),
    )
    assert sorted(results) == [200, 409]
    product.refresh_from_db()
    assert product.stock == 1
