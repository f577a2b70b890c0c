"""The payment gateway: chosen by setting; the test gateway's tokens."""

from decimal import Decimal

import pytest

from orders.payments import TestGateway, get_gateway
from orders.tests.gateways import RecordingGateway
from shop.exceptions import PaymentDeclined, ShopError


def test_gateway_is_chosen_by_setting(settings):
    """SHOP_PAYMENT_GATEWAY names the gateway class by dotted path."""
    assert isinstance(get_gateway(), TestGateway)
    settings.SHOP_PAYMENT_GATEWAY = "orders.tests.gateways.RecordingGateway"
    assert isinstance(get_gateway(), RecordingGateway)


def test_test_gateway_tokens():
    """tok_success charges, tok_decline is a 402, anything else a 400."""
    gateway = TestGateway()
    charge = gateway.charge(
        amount=Decimal("5.00"), currency="USD", payment_token="tok_success"
    )
    assert charge.reference.startswith("test_ch_") and charge.amount == Decimal("5.00")
    with pytest.raises(PaymentDeclined) as declined:
        gateway.charge(
            amount=Decimal("5.00"), currency="USD", payment_token="tok_decline"
        )
    assert declined.value.status_code == 402
    with pytest.raises(ShopError) as bad:
        gateway.charge(
            amount=Decimal("5.00"), currency="USD", payment_token="tok_other"
        )
    assert bad.value.status_code == 400 and bad.value.code == "invalid_payment_token"
