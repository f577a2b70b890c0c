"""Payment gateways: the interface (base), the test gateway and Stripe; re-exported."""

from orders.payments.base import (
    GATEWAYS,
    ChargeResult,
    GatewayRefused,
    GatewayUnavailable,
    InvalidPaymentToken,
    InvalidWebhook,
    PaymentGateway,
    PayResult,
    RefundResult,
    WebhookEvent,
    from_minor_units,
    gateway_class,
    gateway_for,
    get_gateway,
    to_minor_units,
)
from orders.payments.testgateway import TestGateway

__all__ = [
    "GATEWAYS", "ChargeResult", "GatewayRefused", "GatewayUnavailable",
    "InvalidPaymentToken", "InvalidWebhook", "PaymentGateway", "PayResult",
    "RefundResult", "TestGateway", "WebhookEvent", "from_minor_units", "gateway_class",
    "gateway_for", "get_gateway", "to_minor_units",
]  # fmt: skip
