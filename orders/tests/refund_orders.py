"""A paid order with a coupon, tax and shipping, for the refund tests: what each line
cost the buyer is set as checkout stores it (line_total - discount + tax)."""

from decimal import Decimal

from catalog.tests.factories import ProductFactory
from coupons.models import Coupon, CouponRedemption
from orders.models import Order
from orders.status import order_pay
from orders.tests.factories import order_with

D = Decimal


def paid_order_with_coupon_tax_and_shipping(**order_fields) -> Order:
    """3 x 10.00 (cost 29.30) and 1 x 7.99 (cost 7.80), shipping 5.00 + 0.43 tax:
    total 42.53, paid with the test gateway, the coupon's use recorded."""
    mug = ProductFactory(price=D("10.00"), stock=0)
    cap = ProductFactory(price=D("7.99"), stock=0)
    order = order_with(products_and_quantities=[(mug, 3), (cap, 1)], **order_fields)
    a, b = order.items.order_by("pk")
    a.discount, a.tax = D("3.00"), D("2.30")
    b.discount, b.tax = D("0.80"), D("0.61")
    for item in (a, b):
        item.save(update_fields=["discount", "tax"])
    Order.objects.filter(pk=order.pk).update(
        subtotal=D("37.99"),
        discount=D("3.80"),
        coupon_code="SAVE10",
        shipping=D("5.00"),
        shipping_tax=D("0.43"),
        tax=D("3.34"),
        total=D("42.53"),
    )
    coupon = Coupon.objects.create(code="SAVE10", percent_off=D("10"), max_uses=1)
    CouponRedemption.objects.create(coupon=coupon, order=order, email=order.email)
    order.refresh_from_db()
    return order_pay(order=order, payment_token="tok_success")
