"""Gateways for tests, chosen through SHOP_PAYMENT_GATEWAY like any other."""

import threading

from orders.payments import (
    GatewayRefused,
    GatewayUnavailable,
    RefundResult,
    TestGateway,
)


class RecordingGateway(TestGateway):
    refunds: list[dict] = []

    def refund(
        self, *, charge_reference, amount, currency, idempotency_key=""
    ) -> RefundResult:
        RecordingGateway.refunds.append(
            {
                "charge_reference": charge_reference,
                "amount": amount,
                "currency": currency,
            }
        )
        return super().refund(
            charge_reference=charge_reference, amount=amount, currency=currency
        )


class RefusingGateway(TestGateway):
    """The test gateway, whose refunds the provider refuses for good."""

    def refund(self, **kwargs) -> RefundResult:
        raise GatewayRefused("The provider refused the refund.")


class UnreachableGateway(TestGateway):
    """The test gateway, whose refunds never reach the provider."""

    def refund(self, **kwargs) -> RefundResult:
        raise GatewayUnavailable()


class HeldGateway(TestGateway):
    """The test gateway, whose charges wait for the test: ``charging`` is set once a
    charge has begun, which then ends when the test sets ``release``."""

    charging = threading.Event()
    release = threading.Event()

    @classmethod
    def reset(cls) -> None:
        cls.charging, cls.release = threading.Event(), threading.Event()

    def charge(self, **kwargs):
        type(self).charging.set()
        if not type(self).release.wait(timeout=20):
            raise TimeoutError("the test never released the charge")
        return super().charge(**kwargs)
