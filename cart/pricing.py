"""The one pricing function: cart lines and catalog prices in, totals out.

The cart API, the cart page and checkout all call :func:`price_lines`, so an order's
totals equal the cart's totals by construction. No database, no Redis, no settings:
the same lines always give the same totals (its cache of rounded prices changes no result).
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from coupons.discounts import NO_DISCOUNT, DiscountLine, DiscountRule, compute_discount
from shop.money import ZERO, quantize, round_cents


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

# Prices already seen -> (rounded unit, exact): a catalog has a bounded set of prices and
# every cart view rounds one per line. Keyed by value (19.99 and 19.990 share an entry:
# both round to the same "19.99"); Decimals are immutable, so entries are shared safely.
_UNITS: dict[Decimal, tuple[Decimal, bool]] = {}
_UNITS_MAX = 10_000


class CartTotals(NamedTuple):
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
    if not isinstance(lines, list | tuple):
        lines = list(lines)
    get, new = _UNITS.get, tuple.__new__
    priced: list[PricedLine] = []
    append = priced.append
    subtotal = ZERO
    for product_id, price, quantity, _categories in lines:
        hit = None
        if type(price) is Decimal:  # a float equal to a remembered Decimal must not
            try:  # slip past quantize's refusal of floats
                hit = get(price)
            except TypeError:  # a signalling NaN has no hash; quantize rejects it below
                pass
        unit, exact = hit or _unit_of(price)
        if exact and -EXACT_MAX_QUANTITY < quantity < EXACT_MAX_QUANTITY:
            line_total = unit * quantity  # exact, two places: what quantize returns
        else:
            line_total = quantize(price * quantity)
        # tuple.__new__ builds the same PricedLine without the named tuple's Python-level
        # __new__ (one frame per line of every cart view).
        append(new(PricedLine, (product_id, unit, quantity, line_total, ZERO)))
        subtotal += line_total
    subtotal = round_cents(subtotal)
    # Without a coupon there is nothing to share out: skip building the discount input.
    result = NO_DISCOUNT
    if rule is not None:
        result = compute_discount(
            rule,
            [
                DiscountLine(line.product_id, done.line_total, line.category_ids)
                for line, done in zip(lines, priced, strict=True)
            ],
        )
        shares = dict(result.shares)
        if shares:
            priced = [
                done._replace(discount=shares.get(done.product_id, ZERO))
                for done in priced
            ]
    if isinstance(tax_rate, float):  # Decimal(0.0725) would take the float's error
        raise TypeError("a tax rate is never a float; pass a Decimal or a string")
    tax = round_cents((subtotal - result.discount) * Decimal(tax_rate))
    total = round_cents(subtotal - result.discount + tax)
    return new(
        CartTotals,
        (
            tuple(priced),
            subtotal,
            result.eligible_subtotal,
            result.discount,
            tax,
            total,
        ),
    )


def _unit_of(price: Decimal) -> tuple[Decimal, bool]:
    """The price rounded to cents, and whether a line total is then ``unit * quantity``:
    the price was already whole cents (its value, whatever its exponent) and small enough
    for that product to be exact."""
    unit = quantize(price)
    exact = unit == price and unit.adjusted() <= EXACT_MAX_ADJUSTED
    # Zero stays out: -0 equals 0 but rounds to "-0.00". NaNs equal nothing.
    if price and price.is_finite():
        if len(_UNITS) >= _UNITS_MAX:  # emptied when full: follows the prices in use
            _UNITS.clear()
        _UNITS[price] = (unit, exact)
    return unit, exact
