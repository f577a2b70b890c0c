"""Money: Decimal cents rounded half-up in one place, and shown with its currency."""

from decimal import Decimal

import pytest

from shop.money import format_money, quantize


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),
        ("4.9975", "5.00"),
        ("-0.005", "-0.01"),
    ],
)
def test_quantize_rounds_half_up_to_cents(value, expected):
    """Money rounds half-up to cents, never half-even."""
    assert quantize(Decimal(value)) == Decimal(expected)


def test_quantize_refuses_floats():
    """A float never becomes money."""
    with pytest.raises(TypeError):
        quantize(0.1)


def test_format_money_uses_the_currency_symbol():
    """Known currencies get their symbol, others their code after the amount; always
    two decimals and thousands separators."""
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("3"), "CHF") == "3.00 CHF"
