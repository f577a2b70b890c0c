"""Checkout races through the HTTP API: real threads, each with its own client and DB connection."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Product, StockMovement
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order
from orders.tests.carts import cart_with
from orders.tests.contract import ADDRESS, URL
from orders.tests.threads import run_concurrently


@pytest.fixture
def generous_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "checkout": "1000/min"
        },
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_forty_guests_race_for_ten_units_over_http(generous_throttle):
    """40 guest carts of 1 unit, stock 10, POST /orders/ at once: ten 201s, thirty 409s."""
    product = ProductFactory(stock=10)
    carts = [cart_with([(product, 1)]) for _ in range(40)]

    def checkout(i):
        response = APIClient().post(
            URL, {"email": f"g{i}@example.com", **ADDRESS}, format="json",
            HTTP_X_CART_TOKEN=carts[i].token,
        )  # fmt: skip
        return response.status_code, response.json()

    results = run_concurrently(40, checkout)

    codes = sorted(code for code, _ in results)
    assert codes == [201] * 10 + [409] * 30, results
    for code, body in results:
        if code == 409:
            assert body["code"] == "checkout_conflict"
            assert [(p["product_id"], p["code"], p["requested"], p["available"])
                    for p in body["problems"]] == [(product.pk, "out_of_stock", 1, 0)]  # fmt: skip
    assert Product.objects.get().stock == 0
    assert Order.objects.count() == 10
    assert StockMovement.objects.filter(reason="checkout").count() == 10


@pytest.mark.django_db(transaction=True)
def test_same_key_concurrently_over_http_gives_one_order_and_same_body(customer):
    """Four identical POSTs with one Idempotency-Key at once: one order, four equal 201s."""
    cart_with([(ProductFactory(stock=5), 2)], user=customer)

    def checkout(i):
        response = client_for(customer).post(
            URL, ADDRESS, format="json", HTTP_IDEMPOTENCY_KEY="same-click"
        )
        return response.status_code, response.json()

    results = run_concurrently(4, checkout)

    assert [code for code, _ in results] == [201] * 4, results
    assert all(body == results[0][1] for _, body in results)
    assert Order.objects.count() == 1
    assert Product.objects.get().stock == 3
