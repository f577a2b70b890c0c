from decimal import Decimal

import factory

from catalog.tests.factories import ProductFactory
from orders.models import Order, OrderItem


class OrderFactory(factory.django.DjangoModelFactory):
    """A pending order; its totals are set by the test (or by OrderItemFactory's helper)."""

    class Meta:
        model = Order

    user = None
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    status = Order.Status.PENDING
    currency = "USD"
    subtotal = Decimal("0.00")
    discount = Decimal("0.00")
    tax = Decimal("0.00")
    total = Decimal("0.00")
    shipping_name = "Ada Lovelace"
    shipping_address = "12 Analytical Row\nLondon"


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    product_name = factory.LazyAttribute(
        lambda o: o.product.name if o.product else "Gone"
    )
    unit_price = factory.LazyAttribute(
        lambda o: o.product.price if o.product else Decimal("1")
    )
    quantity = 1
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


def order_with(*, products_and_quantities, **order_fields) -> Order:
    """An order holding these lines, its totals the sum of the lines (stock not taken)."""
    order = OrderFactory(**order_fields)
    total = Decimal("0.00")
    for product, quantity in products_and_quantities:
        item = OrderItemFactory(order=order, product=product, quantity=quantity)
        total += item.line_total
    order.subtotal = order.total = total
    order.save(update_fields=["subtotal", "total"])
    return order
