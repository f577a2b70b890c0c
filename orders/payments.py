"""Payment gateways: a small interface (charge, refund) and the built-in test gateway.

Checkout and the order services only talk to :func:`get_gateway`; the class is chosen by
``settings.SHOP_PAYMENT_GATEWAY`` (a dotted path), so a real provider is one new class.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shop.exceptions import PaymentDeclined, ShopError


@dataclass(frozen=True)
class ChargeResult:
    reference: str  # the provider's id of the charge, kept on the order for refunds
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class RefundResult:
    reference: str
    amount: Decimal
    currency: str


class PaymentGateway(Protocol):
    def charge(
        self,
        *,
        amount: Decimal,
        currency: str,
        payment_token: str,
        description: str = "",
    ) -> ChargeResult:
        """Take ``amount``; raise PaymentDeclined (402) or ShopError (400 bad token)."""
        ...

    def refund(
        self, *, charge_reference: str, amount: Decimal, currency: str
    ) -> RefundResult:
        """Give back ``amount`` of an earlier charge."""
        ...


class InvalidPaymentToken(ShopError):
    code = "invalid_payment_token"
    default_detail = "This payment token is not valid."


class TestGateway:
    """Accepts ``tok_success``, declines ``tok_decline`` (402); any other token is a 400."""

    SUCCESS = "tok_success"
    DECLINE = "tok_decline"

    def charge(
        self,
        *,
        amount: Decimal,
        currency: str,
        payment_token: str,
        description: str = "",
    ) -> ChargeResult:
        if payment_token == self.DECLINE:
            raise PaymentDeclined("The card was declined.")
        if payment_token != self.SUCCESS:
            raise InvalidPaymentToken(
                f"Unknown payment token. The test gateway accepts {self.SUCCESS!r} "
                f"and declines {self.DECLINE!r}."
            )
        return ChargeResult(
            reference=f"test_ch_{secrets.token_hex(12)}",
            amount=amount,
            currency=currency,
        )

    def refund(
        self, *, charge_reference: str, amount: Decimal, currency: str
    ) -> RefundResult:
        return RefundResult(
            reference=f"test_re_{secrets.token_hex(12)}",
            amount=amount,
            currency=currency,
        )


def get_gateway() -> PaymentGateway:
    """The configured gateway (``settings.SHOP_PAYMENT_GATEWAY``), a fresh instance."""
    return import_string(settings.SHOP_PAYMENT_GATEWAY)()
