"""What a shipping method charges for a cart: plain data in, a price (or nothing) out.

``flat``: its price. ``weight``: the first band whose ``up_to`` (grams) is at least the
cart's weight. ``price``: the first band whose ``up_to`` is at least the subtotal less the
discount. No band fits: the method does not serve this cart (None). ``free_over``: free
once the subtotal less the discount reaches it, whatever the bands say.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shop.money import ZERO, quantize

FLAT, WEIGHT, PRICE = "flat", "weight", "price"


@dataclass(frozen=True, slots=True)
class Band:
    up_to: Decimal | int  # grams for a weight band, money for a price band
    price: Decimal


@dataclass(frozen=True, slots=True)
class ShippingRule:
    kind: str  # flat | weight | price
    price: Decimal | None = None  # flat
    bands: Sequence[Band] = ()  # weight, price: in increasing up_to
    free_over: Decimal | None = None


def shipping_price(
    rule: ShippingRule, *, weight_grams: int, goods: Decimal
) -> Decimal | None:
    """The price ``rule`` asks for a cart weighing ``weight_grams`` whose subtotal less
    its discount is ``goods``; None when the method does not serve it."""
    if rule.free_over is not None and goods >= rule.free_over:
        return ZERO
    if rule.kind == FLAT:
        return None if rule.price is None else quantize(rule.price)
    measure = weight_grams if rule.kind == WEIGHT else goods
    for band in sorted(rule.bands, key=lambda band: band.up_to):
        if measure <= band.up_to:
            return quantize(band.price)
    return None
