"""The orders API's contract, from ../shared/API.md: addresses and the order JSON."""

from rest_framework.fields import DateTimeField

from orders.models import Order, Payment, Refund

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
        "shipping": f"{order.shipping:.2f}",
        "shipping_method": order.shipping_method,
        "tax": f"{order.tax:.2f}",
        "total": f"{order.total:.2f}",
        "currency": order.currency,
        "shipping_name": order.shipping_name,
        "shipping_address": order.address or order.shipping_address,
        "created_at": when(order.created_at),
        "paid_at": when(order.paid_at),
        "cancelled_at": when(order.cancelled_at),
        "fulfilled_at": when(order.fulfilled_at),
        "payment": payment_json(order),
        "refunds": [refund_json(refund) for refund in order.refunds.all()],
        "refunded_total": f"{order.refunded_total:.2f}",
        "tracking_number": order.tracking_number,
        "carrier": order.carrier,
    }


def payment_json(order: Order) -> dict | None:
    """``{provider, status}``, and for Stripe its intent, client secret and key."""
    from django.conf import settings

    payment = Payment.objects.filter(order=order).first()
    if payment is None:
        return None
    data = {"provider": payment.provider, "status": payment.status}
    if payment.provider == "stripe":
        data |= {
            "payment_intent": payment.reference,
            "client_secret": payment.client_secret,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        }
    return data


def refund_json(refund: Refund) -> dict:
    """A refund as the order lists it (shipping: the shipping amount it gave back)."""
    return {
        "id": refund.pk,
        "amount": f"{refund.amount:.2f}",
        "lines": [
            {"item_id": line.item_id, "quantity": line.quantity}
            for line in refund.lines.order_by("id")
        ],
        "shipping": f"{refund.shipping_amount:.2f}",
        "restocked": refund.restocked,
        "reason": refund.reason,
        "status": refund.status,
        "created_at": when(refund.created_at),
    }
