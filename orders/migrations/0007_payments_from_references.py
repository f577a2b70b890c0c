"""Orders from before payments had their own rows: a paid order's charge id becomes its
Payment (the test gateway's, the only one there was), and its items get their shares of
the order's discount and tax (pricing's largest-remainder split), so that refunds by
line add up to the total exactly for old orders too."""

from decimal import Decimal

from django.db import migrations

from pricing.discounts import allocate

PAID = ("paid", "fulfilled", "partially_refunded", "refunded")


def forwards(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderItem = apps.get_model("orders", "OrderItem")
    Payment = apps.get_model("orders", "Payment")
    old = Order.objects.filter(payment__isnull=True).exclude(payment_reference="")
    for order in old.iterator():
        Payment.objects.create(
            order=order,
            provider="test",
            status="succeeded" if order.status in PAID or order.paid_at else "failed",
            reference=order.payment_reference,
            amount=order.total,
            currency=order.currency,
            succeeded_at=order.paid_at,
        )
    zero = Decimal("0.00")
    for order in Order.objects.iterator():
        items = list(OrderItem.objects.filter(order=order).order_by("pk"))
        if not items or any(i.discount or i.tax for i in items):
            continue  # nothing to split, or split at checkout already
        goods = order.total - order.shipping - order.shipping_tax
        tax = goods - (order.subtotal - order.discount)  # 0 where prices hold the tax
        if not order.discount and tax <= 0:
            continue
        discounts = allocate(order.discount, [i.line_total for i in items])
        taxes = (
            allocate(tax, [i.line_total - d for i, d in zip(items, discounts)])
            if tax > 0
            else [zero] * len(items)
        )
        for item, discount, item_tax in zip(items, discounts, taxes):
            item.discount, item.tax = discount, item_tax
        OrderItem.objects.bulk_update(items, ["discount", "tax"])


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_shipping_payments_refunds")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
