"""The orders API's contract, from ../shared/API.md: addresses and the order JSON."""

from rest_framework.fields import DateTimeField

from orders.models import Order

URL = "/api/v1/orders/"
ADDRESS = {"shipping_name": "Grace Hopper", "shipping_address": "1 Harbour Way"}


def detail(order, action=""):
    return f"{URL}{order.number}/{action + '/' if action else ''}"


def when(value):
    return DateTimeField().to_representation(value) if value else None


def order_json(order: Order) -> dict:
    """What API.md says an order looks like, from the stored row."""
    return {
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "items": [
            {
                "id": item.pk,
                "product_id": item.product_id,
                "variant_id": item.variant_id,
                "sku": item.sku,
                "options": item.options,
                "product_name": item.product_name,
                "unit_price": f"{item.unit_price:.2f}",
                "quantity": item.quantity,
                "line_total": f"{item.line_total:.2f}",
            }
            for item in order.items.all()
        ],
        "subtotal": f"{order.subtotal:.2f}",
        "discount": f"{order.discount:.2f}",
        "coupon_code": order.coupon_code or None,
        "tax": f"{order.tax:.2f}",
        "total": f"{order.total:.2f}",
        "currency": order.currency,
        "shipping_name": order.shipping_name,
        "shipping_address": order.shipping_address,
        "created_at": when(order.created_at),
        "paid_at": when(order.paid_at),
        "cancelled_at": when(order.cancelled_at),
        "fulfilled_at": when(order.fulfilled_at),
    }
