"""orders 0007: an order paid before payments had rows gets its Payment, and its items
their shares of the discount and tax, so that refunds by line add up to its total."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from catalog.tests.factories import ProductFactory
from orders.models import Order, Payment
from orders.tests.factories import order_with

D = Decimal
migration = importlib.import_module("orders.migrations.0007_payments_from_references")


@pytest.mark.django_db
def test_old_paid_orders_get_their_payment_and_shares():
    order = order_with(
        products_and_quantities=[
            (ProductFactory(price=D("10.00")), 3),
            (ProductFactory(price=D("7.99")), 1),
        ],
        status=Order.Status.PAID,
    )
    # The old shape: a charge id on the order, discount and tax on the order only.
    Order.objects.filter(pk=order.pk).update(
        payment_reference="test_ch_old",
        subtotal=D("37.99"),
        discount=D("3.80"),
        tax=D("2.91"),
        total=D("37.10"),
    )
    untouched = order_with(products_and_quantities=[(ProductFactory(), 1)])
    migration.forwards(apps, None)
    payment = Payment.objects.get(order=order)
    assert (payment.provider, payment.reference, payment.status, payment.amount) == (
        "test", "test_ch_old", "succeeded", D("37.10"))  # fmt: skip
    items = list(order.items.order_by("pk"))
    assert [(i.discount, i.tax) for i in items] == [
        (D("3.00"), D("2.30")),
        (D("0.80"), D("0.61")),
    ]
    assert sum(i.line_total - i.discount + i.tax for i in items) == D("37.10")
    assert not Payment.objects.filter(order=untouched).exists()
    migration.forwards(apps, None)  # twice: nothing more
    assert Payment.objects.filter(order=order).count() == 1
