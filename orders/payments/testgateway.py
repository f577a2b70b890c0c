"""The built-in test gateway: no network, tokens decide (development and tests)."""

import secrets
from decimal import Decimal

from orders.payments.base import (
    ChargeResult,
    InvalidPaymentToken,
    InvalidWebhook,
    PayResult,
    RefundResult,
)
from shop.exceptions import PaymentDeclined


class TestGateway:
    """Accepts ``tok_success``, declines ``tok_decline`` (402); any other token is a 400."""

    __test__ = False  # not a pytest test class
    provider = "test"
    pays_at_once = True
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

    def pay(self, *, order, payment, payment_token: str = "") -> PayResult:
        charge = self.charge(
            amount=order.total,
            currency=order.currency,
            payment_token=payment_token,
            description=f"Order {order.number}",
        )
        return PayResult(reference=charge.reference, status="succeeded")

    def refund(
        self,
        *,
        charge_reference: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str = "",
    ) -> RefundResult:
        return RefundResult(
            reference=f"test_re_{secrets.token_hex(12)}",
            amount=amount,
            currency=currency,
        )

    def cancel(self, *, reference: str) -> bool:
        return True  # nothing was taken, nothing to tell anyone

    def parse_webhook(self, *, payload: bytes, signature: str):
        raise InvalidWebhook("The test gateway sends no webhooks.")
