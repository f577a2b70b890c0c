"""Stock never goes below zero under concurrent adjustments (real threads, PostgreSQL):
each variant's stock is its own row, so races hold per variant."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from catalog.models import StockMovement, Variant
from catalog.stock import StockChange, stock_adjust, stock_apply
from catalog.tests.factories import ProductFactory, product_with_variants
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
    variant = ProductFactory(stock=10).variants.get()
    results = run_in_threads(
        8, lambda i: stock_adjust(variant=variant.pk, delta=-3, reason="adjustment")
    )
    successes = [r for r in results if isinstance(r, Variant)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(successes), len(refused)) == (3, 5), results
    variant.refresh_from_db()
    assert variant.stock == 1
    movements = StockMovement.objects.filter(variant=variant)
    assert sorted(m.stock_after for m in movements) == [1, 4, 7]


@pytest.mark.django_db(transaction=True)
def test_two_variants_of_one_product_race_apart():
    """Six buyers race for the last 2 units of the M tee while four others take one L
    each: exactly two M buyers succeed, every L buyer does (never blocked nor counted
    against M's stock), and each variant's ledger matches its stock."""
    product = product_with_variants(
        options={"Size": ["M", "L"]},
        variants=[
            {"sku": "TEE-M", "options": {"Size": "M"}, "stock": 2},
            {"sku": "TEE-L", "options": {"Size": "L"}, "stock": 4},
        ],
    )
    medium, large = (product.variants.get(sku=sku) for sku in ("TEE-M", "TEE-L"))

    def work(i):
        variant = medium if i < 6 else large
        return stock_adjust(variant=variant.pk, delta=-1, reason="checkout")

    results = run_in_threads(10, work)
    medium_results, large_results = results[:6], results[6:]
    assert sum(isinstance(r, Variant) for r in medium_results) == 2, results
    assert sum(isinstance(r, InsufficientStock) for r in medium_results) == 4
    assert all(isinstance(r, Variant) for r in large_results), results
    medium.refresh_from_db(), large.refresh_from_db()
    assert (medium.stock, large.stock) == (0, 0)
    assert StockMovement.objects.filter(variant=medium).count() == 2
    assert StockMovement.objects.filter(variant=large).count() == 4
    refusal = next(r for r in medium_results if isinstance(r, InsufficientStock))
    assert refusal.extra == {"available": 0, "variant_id": medium.pk,
                             "product_id": product.pk}  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_concurrent_multi_variant_changes_do_not_deadlock():
    """Changes to the same variants (of one product and of another) in opposite orders
    finish without deadlock."""
    tee = product_with_variants(
        options={"Size": ["S", "M"]},
        variants=[
            {"options": {"Size": "S"}, "stock": 100, "price": Decimal("9.00")},
            {"options": {"Size": "M"}, "stock": 100, "price": Decimal("9.00")},
        ],
    )
    a, b = tee.variants.all()
    c = ProductFactory(stock=100).variants.get()

    def work(i):
        order = [a.pk, b.pk, c.pk] if i % 2 else [c.pk, b.pk, a.pk]
        return stock_apply(
            changes=[StockChange(pk, -1) for pk in order], reason="checkout"
        )

    results = run_in_threads(6, work)
    assert all(isinstance(r, dict) for r in results), results
    stocks = dict(Variant.objects.values_list("pk", "stock"))
    assert (stocks[a.pk], stocks[b.pk], stocks[c.pk]) == (94, 94, 94)


@pytest.mark.django_db(transaction=True)
def test_concurrent_api_adjustments(seller):
    """Two concurrent API adjustments of -5 on a stock of 6, one through the product and
    one through its variant: one 200, one 409, stock 1."""
    product = ProductFactory(seller=seller, stock=6)
    variant = product.variants.get()
    urls = [
        f"/api/v1/products/{product.pk}/adjust-stock/",
        f"/api/v1/variants/{variant.pk}/adjust-stock/",
    ]
    results = run_in_threads(
        2,
        lambda i: (
            client_for(seller).post(urls[i], {"delta": -5}, format="json").status_code
        ),
    )
    assert sorted(results) == [200, 409]
    variant.refresh_from_db()
    assert variant.stock == 1
