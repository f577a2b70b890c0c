"""Discount maths: a coupon's rule as plain data, and its discount shared over lines.

Discount = ``percent_off`` % of the eligible subtotal + ``amount_off``, capped at
``max_discount`` (when set) and never above the eligible subtotal. Eligible lines are
those whose product or category (or an ancestor category) is in the rule's scope; an
empty scope is the whole cart.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pricing.lines import PricedLine, PricingLine
from shop.money import ZERO, quantize

HUNDRED = Decimal("100")


@dataclass(frozen=True, slots=True)
class DiscountRule:
    percent_off: Decimal = ZERO
    amount_off: Decimal = ZERO
    max_discount: Decimal | None = None
    product_ids: frozenset[int] = field(default_factory=frozenset)
    category_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def has_scope(self) -> bool:
        return bool(self.product_ids or self.category_ids)

    def applies_to(self, line: PricingLine) -> bool:
        if not self.has_scope:
            return True
        return line.product_id in self.product_ids or bool(
            self.category_ids & line.category_ids
        )


@dataclass(frozen=True, slots=True)
class Discount:
    eligible_subtotal: Decimal
    amount: Decimal
    shares: tuple[
        Decimal, ...
    ]  # per line, in the lines' order (0.00 when not eligible)


def compute_discount(
    rule: DiscountRule | None,
    lines: Sequence[PricingLine],
    priced: Sequence[PricedLine],
) -> Discount:
    """The discount ``rule`` gives on these lines (``priced``: their totals), with each
    line's share."""
    none = Discount(ZERO, ZERO, tuple(ZERO for _ in priced))
    if rule is None:
        return none
    eligible = [
        i
        for i, (line, done) in enumerate(zip(lines, priced, strict=True))
        if rule.applies_to(line) and done.line_total > 0
    ]
    eligible_subtotal = sum((priced[i].line_total for i in eligible), ZERO)
    if eligible_subtotal <= 0:
        return none
    amount = quantize(eligible_subtotal * rule.percent_off / HUNDRED) + quantize(
        rule.amount_off
    )
    if rule.max_discount is not None:
        amount = min(amount, quantize(rule.max_discount))
    amount = quantize(min(max(amount, ZERO), eligible_subtotal))
    split = allocate(amount, [priced[i].line_total for i in eligible])
    shares = [ZERO] * len(priced)
    for i, share in zip(eligible, split, strict=True):
        shares[i] = share
    return Discount(eligible_subtotal, amount, tuple(shares))


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """Split ``amount`` over ``weights`` in proportion, in whole cents that add up to it.

    Largest-remainder method: each share is rounded down to the cent, and the cents left
    go to the largest remainders (ties: the first), so no share exceeds its weight's
    proportion by a cent or more. Integer arithmetic: exact at any precision.
    """
    if not weights:
        return ()
    total = sum(_cents(weight) for weight in weights)
    if amount == 0 or total == 0:
        return tuple(ZERO for _ in weights)
    cents = _cents(amount)
    floors, remainders = [], []
    for weight in weights:
        share, remainder = divmod(_cents(weight) * cents, total)
        floors.append(share)
        remainders.append(remainder)
    left = cents - sum(floors)  # 0 <= left < len(weights)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        floors[i] += 1
    return tuple(quantize(Decimal(share) / 100) for share in floors)


def _cents(amount: Decimal) -> int:
    return int(quantize(amount) * 100)
