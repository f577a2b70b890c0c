"""The one pricing function: lines, a discount rule and a tax rate in; totals out.

The cart API, the cart page, checkout and coupon validation all call :func:`price_lines`,
so an order's totals equal the cart's by construction. No database, no Redis, no
settings: the same input always gives the same totals. Rounding: half-up to cents, once
per line and once per total.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pricing.discounts import DiscountRule, compute_discount
from pricing.lines import PricedLine, PricingLine
from shop.money import ZERO, quantize


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    eligible_subtotal: Decimal  # what the discount rule applied to
    discount: Decimal
    tax: Decimal
    total: Decimal


def price_lines(
    lines: Sequence[PricingLine],
    *,
    rule: DiscountRule | None = None,
    tax_rate: Decimal = ZERO,
) -> Totals:
    """Line totals, subtotal, discount (shared over the lines), tax and total."""
    if isinstance(tax_rate, float):  # Decimal(0.0725) would take the float's error
        raise TypeError("a tax rate is never a float; pass a Decimal or a string")
    priced = [
        PricedLine(
            product_id=line.product_id,
            unit_price=quantize(line.unit_price),
            quantity=line.quantity,
            line_total=quantize(line.unit_price * line.quantity),
            variant_id=line.variant_id,
        )
        for line in lines
    ]
    subtotal = quantize(sum((line.line_total for line in priced), ZERO))
    discount = compute_discount(rule, lines, priced)
    priced = [
        PricedLine(
            p.product_id, p.unit_price, p.quantity, p.line_total, share, p.variant_id
        )
        for p, share in zip(priced, discount.shares, strict=True)
    ]
    tax = quantize((subtotal - discount.amount) * Decimal(tax_rate))
    total = quantize(subtotal - discount.amount + tax)
    if not total.is_finite():  # a quiet NaN passes quantize: not money either
        raise InvalidOperation("a price or rate is not a number")
    return Totals(
        lines=tuple(priced),
        subtotal=subtotal,
        eligible_subtotal=discount.eligible_subtotal,
        discount=discount.amount,
        tax=tax,
        total=total,
    )
