"""Checkout races through the HTTP API: real threads, each with its own client and DB connection."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cart.tests.factories import tee, variant, variant_of
from catalog.models import StockMovement, Variant
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order, OrderItem
from orders.tests.carts import cart_with
from orders.tests.contract import ADDRESS, URL
from orders.tests.threads import run_concurrently


def stocks() -> dict[int, int]:
    return dict(Variant.objects.values_list("pk", "stock"))


@pytest.fixture
def generous_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "checkout": "1000/min"
        },
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_buyers_race_for_the_last_units_of_one_variant_beside_buyers_of_another(
    generous_throttle,
):
    """30 guests want the last 10 of the tee in M / Red while 15 others buy the M /
    Blue (20 in stock), all POSTing /orders/ at once: exactly ten Red buyers get their
    order and twenty a 409 naming the Red variant; every Blue buyer gets theirs; each
    variant's stock is what it was less what its orders took, one movement per order."""
    shirt = tee(price=Decimal("20.00"), stock=20)
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="M", Colour="Blue"),
    )
    Variant.objects.filter(pk=red.pk).update(stock=10)
    wanted = [red] * 30 + [blue] * 15
    carts = [cart_with([(line, 1)]) for line in wanted]

    def checkout(i):
        response = APIClient().post(
            URL, {"email": f"g{i}@example.com", **ADDRESS}, format="json",
            HTTP_X_CART_TOKEN=carts[i].token,
        )  # fmt: skip
        return response.status_code, response.json()

    results = run_concurrently(len(carts), checkout)

    by_variant = {red.pk: [], blue.pk: []}
    for line, (code, body) in zip(wanted, results, strict=True):
        by_variant[line.pk].append(code)
        if code == 201:
            [item] = body["items"]
            assert (item["variant_id"], item["sku"], item["options"]) == (
                line.pk, line.sku, line.options
            )  # fmt: skip
        else:
            assert code == 409 and body["code"] == "checkout_conflict", body
            assert [(p["product_id"], p["variant_id"], p["code"], p["requested"],
                     p["available"]) for p in body["problems"]] == [
                (shirt.pk, red.pk, "out_of_stock", 1, 0)
            ]  # fmt: skip
    assert sorted(by_variant[red.pk]) == [201] * 10 + [409] * 20, results
    assert by_variant[blue.pk] == [201] * 15, results
    assert stocks() == {
        **{v.pk: 20 for v in shirt.variants.all()}, red.pk: 0, blue.pk: 5
    }  # fmt: skip
    assert Order.objects.count() == 25
    assert sorted(OrderItem.objects.values_list("variant_id", flat=True)) == sorted(
        [red.pk] * 10 + [blue.pk] * 15
    )
    for line, left, sold in ((red, 0, 10), (blue, 5, 15)):
        movements = StockMovement.objects.filter(variant=line, reason="checkout")
        assert sorted(movements.values_list("stock_after", flat=True)) == list(
            range(left, left + sold)
        )
        assert {m.delta for m in movements} == {-1}


@pytest.mark.django_db(transaction=True)
def test_same_key_concurrently_over_http_gives_one_order_and_same_body(customer):
    """Four identical POSTs with one Idempotency-Key at once: one order, four equal 201s."""
    product = ProductFactory(stock=5)
    cart_with([(product, 2)], user=customer)

    def checkout(i):
        response = client_for(customer).post(
            URL, ADDRESS, format="json", HTTP_IDEMPOTENCY_KEY="same-click"
        )
        return response.status_code, response.json()

    results = run_concurrently(4, checkout)

    assert [code for code, _ in results] == [201] * 4, results
    assert all(body == results[0][1] for _, body in results)
    assert Order.objects.count() == 1
    assert variant_of(product).stock == 3
