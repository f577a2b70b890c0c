"""Pure discount maths. Plain data in, frozen dataclasses out; rounding via shop.money.

Discount = percent_off % of the eligible subtotal + amount_off, capped at max_discount
(when set) and never above the eligible subtotal. Eligible lines are those whose product
or category (or an ancestor category) is in the coupon's scope; an empty scope is the
whole cart. The discount is then shared out over the eligible lines so that the shares
add up to it exactly.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shop.money import ZERO, quantize

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class DiscountRule:
    percent_off: Decimal = Decimal("0")
    amount_off: Decimal = Decimal("0")
    max_discount: Decimal | None = None
    product_ids: frozenset[int] = field(default_factory=frozenset)
    category_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def has_scope(self) -> bool:
        return bool(self.product_ids or self.category_ids)

    def applies_to(self, line: "DiscountLine") -> bool:
        if not self.has_scope:
            return True
        return line.product_id in self.product_ids or bool(
            self.category_ids & line.category_ids
        )


@dataclass(frozen=True)
class DiscountLine:
    product_id: int
    line_total: Decimal
    # The product's category and all its ancestors: a coupon on "Kitchen" covers "Kitchen > Knives".
    category_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class DiscountResult:
    eligible_subtotal: Decimal
    discount: Decimal
    shares: tuple[tuple[int, Decimal], ...]  # (product_id, share of the discount)

    def share_of(self, product_id: int) -> Decimal:
        return dict(self.shares).get(product_id, ZERO)


NO_DISCOUNT = DiscountResult(eligible_subtotal=ZERO, discount=ZERO, shares=())


def compute_discount(
    rule: DiscountRule | None, lines: Sequence[DiscountLine]
) -> DiscountResult:
    """The discount a rule gives on these lines, with each line's share."""
    if rule is None:
        return NO_DISCOUNT
    eligible = [line for line in lines if rule.applies_to(line) and line.line_total > 0]
    # Each line rounded to the cent first, so the shares below add up against the same sum.
    eligible_subtotal = sum((quantize(line.line_total) for line in eligible), ZERO)
    if eligible_subtotal <= 0:
        return DiscountResult(eligible_subtotal=ZERO, discount=ZERO, shares=())

    discount = quantize(eligible_subtotal * rule.percent_off / HUNDRED) + quantize(
        rule.amount_off
    )
    if rule.max_discount is not None:
        discount = min(discount, quantize(rule.max_discount))
    discount = quantize(min(max(discount, ZERO), eligible_subtotal))
    return DiscountResult(
        eligible_subtotal=eligible_subtotal,
        discount=discount,
        shares=_allocate(discount, eligible),
    )


def _allocate(
    discount: Decimal, lines: Sequence[DiscountLine]
) -> tuple[tuple[int, Decimal], ...]:
    """Split ``discount`` over lines in proportion to their totals, in whole cents.

    Largest-remainder method: each line gets its share rounded down to the cent, and
    the cents left over go to the lines with the largest remainders, so that the shares
    add up to the discount exactly and no line's share exceeds its total.
    """
    if discount == 0:
        return tuple((line.product_id, ZERO) for line in lines)
    # Whole cents and integer division: exact, whatever the Decimal context's precision
    # (a quotient rounded up to the next integer would hand out a cent too many).
    discount_cents = _cents(discount)
    total_cents = sum(_cents(line.line_total) for line in lines)
    floors, remainders = [], []
    for line in lines:
        share, remainder = divmod(_cents(line.line_total) * discount_cents, total_cents)
        floors.append(share)
        remainders.append(remainder)
    left = discount_cents - sum(floors)  # 0 <= left < len(lines)
    order = sorted(range(len(lines)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return tuple(
        (line.product_id, quantize(Decimal(cents) / 100))
        for line, cents in zip(lines, floors, strict=True)
    )


def _cents(amount: Decimal) -> int:
    return int(quantize(amount) * 100)
