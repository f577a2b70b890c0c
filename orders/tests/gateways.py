"""A gateway for tests that records what it was asked to do (set via SHOP_PAYMENT_GATEWAY)."""

from orders.payments import RefundResult, TestGateway


class RecordingGateway(TestGateway):
    refunds: list[dict] = []

    def refund(self, *, charge_reference, amount, currency) -> RefundResult:
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
