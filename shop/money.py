"""Money arithmetic: every rounding in the shop goes through :func:`quantize`."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(value: Decimal | int | str) -> Decimal:
    """Round to cents, half-up (the rule customers and accountants expect)."""
    if isinstance(value, float):
        raise TypeError("money is never a float; pass a Decimal or a string")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal, currency: str) -> str:
    """Render an amount for people, e.g. ``$19.90`` or ``19.90 EUR``."""
    symbols = {"USD": "$", "EUR": "€", "GBP": "£"}
    amount = f"{quantize(value):,}"
    symbol = symbols.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"
