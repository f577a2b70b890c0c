"""What pricing takes and gives per line: plain values, no models."""

from dataclasses import dataclass, field
from decimal import Decimal

from shop.money import ZERO


@dataclass(frozen=True, slots=True)
class PricingLine:
    """One line to price: the catalog's current unit price and the quantity."""

    product_id: int  # what a coupon's product scope matches
    unit_price: Decimal
    quantity: int
    # The product's category and all its ancestors (what a coupon's scope matches).
    category_ids: frozenset[int] = field(default_factory=frozenset)
    variant_id: int | None = None  # what is bought (the line's identity in a cart)


@dataclass(frozen=True, slots=True)
class PricedLine:
    product_id: int
    unit_price: Decimal  # rounded to cents
    quantity: int
    line_total: Decimal  # unit price × quantity, rounded once
    discount: Decimal = ZERO  # this line's share of the cart's discount
    variant_id: int | None = None
    tax: Decimal = ZERO  # this line's share of the tax (on its total less its discount)

    @property
    def paid(self) -> Decimal:
        """What the buyer pays for this line: its total, less its share of the
        discount, plus its share of the tax (when tax is added on top)."""
        return self.line_total - self.discount + self.tax
