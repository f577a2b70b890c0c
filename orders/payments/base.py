"""The gateway interface: pay (create or get the order's payment), refund, cancel, and
read a provider's signed webhook. Services talk only to :func:`get_gateway` and
:func:`gateway_for`; ``settings.SHOP_PAYMENT_GATEWAY`` names the class."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shop.exceptions import ShopError
from shop.money import quantize

#: ISO 4217 currencies without minor units (Stripe's list): amounts are whole units.
ZERO_DECIMAL_CURRENCIES = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()
)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """``amount`` in the currency's smallest unit (cents; yen for JPY), exactly."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    minor = quantize(amount) * (10**exponent)
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency} is not a whole number of minor units")
    return int(minor)


def from_minor_units(minor: int, currency: str) -> Decimal:
    exponent = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    return quantize(Decimal(minor) / (10**exponent))


@dataclass(frozen=True)
class ChargeResult:
    reference: str  # the provider's id of the charge, kept on the payment for refunds
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class PayResult:
    """The provider's side of an order's payment after asking to pay."""

    reference: str
    status: str  # a Payment.Status value
    client_secret: str = ""


@dataclass(frozen=True)
class RefundResult:
    reference: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class WebhookEvent:
    """A verified provider event, reduced to what the shop acts on."""

    id: str
    type: str
    reference: str = ""  # the PaymentIntent's id, for payment_intent.* events
    amount_minor: int | None = None
    currency: str = ""
    data: dict = field(default_factory=dict, compare=False)


class InvalidPaymentToken(ShopError):
    code = "invalid_payment_token"
    default_detail = "This payment token is not valid."


class InvalidWebhook(ShopError):
    code = "invalid_webhook"
    default_detail = "The webhook's signature or body is not valid."


class GatewayUnavailable(ShopError):
    """The provider could not be reached or failed on its side: try again later."""

    status_code = 503
    code = "payment_provider_unavailable"
    default_detail = "The payment provider cannot be reached; please try again."


class GatewayRefused(ShopError):
    """The provider refused the request for good (e.g. a refund above what is left)."""

    status_code = 502
    code = "payment_provider_refused"
    default_detail = "The payment provider refused the request."


class PaymentGateway(Protocol):
    provider: str  # stored on Payment.provider
    #: True when pay() can take the money at once (test); False when the provider's
    #: webhook says so later (Stripe).
    pays_at_once: bool

    def pay(self, *, order, payment, payment_token: str = "") -> PayResult:
        """Take or prepare the payment of ``order``; ``payment`` is its Payment row
        (``reference`` empty the first time). PaymentDeclined (402) for a declined card."""
        ...

    def refund(
        self,
        *,
        charge_reference: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str = "",
    ) -> RefundResult:
        """Give back ``amount`` of an earlier payment. GatewayUnavailable (try again) or
        GatewayRefused (for good)."""
        ...

    def cancel(self, *, reference: str) -> bool:
        """Cancel a payment not taken yet; False when it cannot be (already paid)."""
        ...

    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookEvent:
        """Verify and read a webhook; InvalidWebhook (400) if it is not the provider's."""
        ...


#: The names SHOP_PAYMENT_GATEWAY takes; a dotted path to a class is accepted too.
GATEWAYS = {
    "test": "orders.payments.testgateway.TestGateway",
    "stripe": "orders.payments.stripe_gateway.StripeGateway",
}


def gateway_class(name: str) -> type:
    return import_string(GATEWAYS.get(name, name))


def get_gateway() -> PaymentGateway:
    """The configured gateway (``settings.SHOP_PAYMENT_GATEWAY``), a fresh instance."""
    return gateway_class(settings.SHOP_PAYMENT_GATEWAY)()


def gateway_for(provider: str) -> PaymentGateway:
    """The gateway of an existing payment: the configured one when it is that provider's
    (so a configured subclass is used), else the provider's own class."""
    configured = get_gateway()
    if configured.provider == provider:
        return configured
    return gateway_class(provider)()
