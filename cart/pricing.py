"""The one pricing function: cart lines and catalog prices in, totals out.

The cart API, the cart page and checkout all call :func:`price_lines`, so an order's
totals equal the cart's totals by construction. Pure: no database, no Redis, no settings.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from coupons.discounts import NO_DISCOUNT, DiscountLine, DiscountRule, compute_discount
from shop.money import ZERO, quantize


@dataclass(frozen=True)
class PricingLine:
    product_id: int
    unit_price: Decimal  # the catalog's current price
    quantity: int
    category_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PricedLine:
    product_id: int
    unit_price: Decimal
    quantity: int
    line_total: Decimal
    discount: Decimal  # this line's share of the cart's discount


@dataclass(frozen=True)
class CartTotals:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    eligible_subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


def price_lines(
    lines: Iterable[PricingLine], *, rule: DiscountRule | None = None, tax_rate: Decimal = ZERO
) -> CartTotals:
    """Line totals, subtotal, discount, tax and total; rounded once per line and per total."""
    lines = list(lines)
    line_totals = [quantize(line.unit_price * line.quantity) for line in lines]
    subtotal = quantize(sum(line_totals, ZERO))
    # Without a coupon there is nothing to share out: skip building the discount input.
    result = NO_DISCOUNT
    if rule is not None:
        result = compute_discount(
            rule,
            [
                DiscountLine(
                    product_id=line.product_id, line_total=total, category_ids=line.category_ids
                )
                for line, total in zip(lines, line_totals, strict=True)
            ],
        )
    tax = quantize((subtotal - result.discount) * Decimal(tax_rate))
    total = quantize(subtotal - result.discount + tax)
    shares = dict(result.shares)
    priced = tuple(
        PricedLine(
            product_id=line.product_id,
            unit_price=quantize(line.unit_price),
            quantity=line.quantity,
            line_total=line_total,
            discount=shares.get(line.product_id, ZERO),
        )
        for line, line_total in zip(lines, line_totals, strict=True)
    )
    return CartTotals(
        lines=priced,
        subtotal=subtotal,
        eligible_subtotal=result.eligible_subtotal,
        discount=result.discount,
        tax=tax,
        total=total,
    )
