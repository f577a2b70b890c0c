"""The orders app's tables: orders and their items, shipping and tax, payments and refunds."""

from orders.models.orders import (
    NUMBER_ALPHABET,
    NUMBER_LENGTH,
    IdempotencyKey,
    Order,
    OrderItem,
    new_order_number,
    new_order_token,
)
from orders.models.payments import Payment, PaymentEvent, Refund, RefundLine
from orders.models.reports import DailyProductSales, DailySales
from orders.models.shipping import ShippingMethod, ShippingZone, TaxRate, ZoneCountry

__all__ = [
    "DailyProductSales",
    "DailySales",
    "NUMBER_ALPHABET",
    "NUMBER_LENGTH",
    "IdempotencyKey",
    "Order",
    "OrderItem",
    "Payment",
    "PaymentEvent",
    "Refund",
    "RefundLine",
    "ShippingMethod",
    "ShippingZone",
    "TaxRate",
    "ZoneCountry",
    "new_order_number",
    "new_order_token",
]
