"""The one pricing function: lines, a discount rule, a shipping price and a tax rate in;
totals out.

The cart API, the cart page, checkout and coupon validation all call :func:`price_lines`,
so an order's totals equal the cart's by construction. No database, no Redis, no
settings: the same input always gives the same totals. Rounding: half-up to cents, once
per line and once per total.

Tax is ``rate × (subtotal − discount + shipping)``, rounded once, added to the total; with
``prices_include_tax`` the catalog's prices hold it already, the total is
``subtotal − discount + shipping`` and ``tax`` is the part of it that is tax,
``rate / (1 + rate)`` of it. Either way the tax is shared over the lines and the shipping
by the largest-remainder split the discount uses, so what each line cost (``paid``) adds
up, with the shipping's, to the total exactly (what a refund by line gives back).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pricing.discounts import DiscountRule, allocate, compute_discount
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
    shipping: Decimal = ZERO
    shipping_tax: Decimal = ZERO  # the shipping's share of the tax (when added on top)

    @property
    def shipping_paid(self) -> Decimal:
        return self.shipping + self.shipping_tax


def price_lines(
    lines: Sequence[PricingLine],
    *,
    rule: DiscountRule | None = None,
    tax_rate: Decimal = ZERO,
    shipping: Decimal = ZERO,
    prices_include_tax: bool = False,
) -> Totals:
    """Line totals, subtotal, discount, shipping, tax and total, each line with its share
    of the discount and of the tax (see the module)."""
    if isinstance(tax_rate, float) or isinstance(shipping, float):
        # Decimal(0.0725) would take the float's error
        raise TypeError(
            "a rate or an amount is never a float; pass a Decimal or a string"
        )
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
    shipping = quantize(shipping)
    rate = Decimal(tax_rate)
    taxed = subtotal - discount.amount + shipping  # what the tax is on (or inside)
    if prices_include_tax:
        total = quantize(taxed)
        tax = quantize(total * rate / (1 + rate))
    else:
        tax = quantize(taxed * rate)
        total = quantize(taxed + tax)
    if not total.is_finite():  # a quiet NaN passes quantize: not money either
        raise InvalidOperation("a price or rate is not a number")
    nets = [
        p.line_total - share for p, share in zip(priced, discount.shares, strict=True)
    ]
    *line_taxes, shipping_tax = allocate(tax, [*nets, shipping])
    if prices_include_tax:  # the tax is inside the prices: nothing is added per line
        line_taxes, shipping_tax = [ZERO] * len(priced), ZERO
    priced = [
        PricedLine(
            p.product_id, p.unit_price, p.quantity, p.line_total, share, p.variant_id,
            line_tax,
        )
        for p, share, line_tax in zip(priced, discount.shares, line_taxes, strict=True)
    ]  # fmt: skip
    return Totals(
        lines=tuple(priced),
        subtotal=subtotal,
        eligible_subtotal=discount.eligible_subtotal,
        discount=discount.amount,
        tax=tax,
        total=total,
        shipping=shipping,
        shipping_tax=shipping_tax,
    )
