"""The one pricing function: cart lines and catalog prices in, totals out.

The cart API, the cart page and checkout all call :func:`price_lines`, so an order's
totals equal the cart's totals by construction. Pure: no database, no Redis, no settings.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from coupons.discounts import NO_DISCOUNT, DiscountLine, DiscountRule, compute_discount
from shop.money import ZERO, quantize


class PricingLine(NamedTuple):
    product_id: int
    unit_price: Decimal  # the catalog's current price
    quantity: int
    category_ids: frozenset[int] = frozenset()


class PricedLine(NamedTuple):
    product_id: int
    unit_price: Decimal
    quantity: int
    line_total: Decimal
    discount: Decimal  # this line's share of the cart's discount


# Lines are named tuples, not frozen dataclasses: immutable, compared by value and read
# by name just the same, at a third of the cost to build (a cart view builds two per
# line: bench/cart_store.py). A price already in whole cents times a quantity below
# these bounds has at most 28 digits, Decimal's default precision, so the product is
# exact and already has two places: rounding it again would return it unchanged.
EXACT_MAX_QUANTITY = 10**9
EXACT_MAX_ADJUSTED = 16  # the price's integer part has at most 17 digits


@dataclass(frozen=True)
class CartTotals:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    eligible_subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


def price_lines(
    lines: Iterable[PricingLine],
    *,
    rule: DiscountRule | None = None,
    tax_rate: Decimal = ZERO,
) -> CartTotals:
    """Line totals, subtotal, discount, tax and total; rounded once per line and per total."""
    lines = list(lines)
    units, line_totals = [], []
    for line in lines:
        price, quantity = line.unit_price, line.quantity
        unit = quantize(price)
        if unit == price and -EXACT_MAX_QUANTITY < quantity < EXACT_MAX_QUANTITY \
                and unit.adjusted() <= EXACT_MAX_ADJUSTED:  # fmt: skip
            line_totals.append(
                unit * quantity
            )  # exact, two places: what quantize returns
        else:
            line_totals.append(quantize(price * quantity))
        units.append(unit)
    subtotal = quantize(sum(line_totals, ZERO))
    # Without a coupon there is nothing to share out: skip building the discount input.
    result = NO_DISCOUNT
    if rule is not None:
        result = compute_discount(
            rule,
            [
                DiscountLine(
                    product_id=line.product_id,
                    line_total=total,
                    category_ids=line.category_ids,
                )
                for line, total in zip(lines, line_totals, strict=True)
            ],
        )
    tax = quantize((subtotal - result.discount) * Decimal(tax_rate))
    total = quantize(subtotal - result.discount + tax)
    shares = dict(result.shares)
    priced = tuple([
        PricedLine(line.product_id, unit, line.quantity, line_total,
                   shares.get(line.product_id, ZERO) if shares else ZERO)
        for line, unit, line_total in zip(lines, units, line_totals, strict=True)
    ])  # fmt: skip
    return CartTotals(
        lines=priced,
        subtotal=subtotal,
        eligible_subtotal=result.eligible_subtotal,
        discount=result.discount,
        tax=tax,
        total=total,
    )
