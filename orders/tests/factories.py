from decimal import Decimal

import factory

from catalog.tests.factories import VariantFactory
from orders.models import Order, OrderItem
from orders.tests.carts import as_variant


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
    """A line of an order: a variant (a new one-variant product's unless given) and
    its snapshots, as checkout writes them."""

    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    variant = factory.SubFactory(VariantFactory)
    product = factory.LazyAttribute(lambda o: o.variant.product if o.variant else None)
    product_name = factory.LazyAttribute(
        lambda o: o.variant.product.name if o.variant else "Gone"
    )
    sku = factory.LazyAttribute(lambda o: o.variant.sku if o.variant else "")
    options = factory.LazyAttribute(
        lambda o: dict(o.variant.options) if o.variant else {}
    )
    unit_price = factory.LazyAttribute(
        lambda o: o.variant.price if o.variant else Decimal("1")
    )
    quantity = 1
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


def order_with(*, products_and_quantities, **order_fields) -> Order:
    """An order holding these lines (``(variant, quantity)``; a one-variant product
    stands for its variant), its totals the sum of the lines (stock not taken)."""
    order = OrderFactory(**order_fields)
    total = Decimal("0.00")
    for item, quantity in products_and_quantities:
        line = OrderItemFactory(
            order=order, variant=as_variant(item), quantity=quantity
        )
        total += line.line_total
    order.subtotal = order.total = total
    order.save(update_fields=["subtotal", "total"])
    return order
