"""The one way a cart's lines become pricing lines, for the cart's read, a coupon's check
and the checkout: the catalog's current price, and the category lineage a coupon's scope
needs (one query, only when there is a coupon)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from catalog.selectors import category_lineage_map
from pricing.lines import PricingLine


class Priced(Protocol):
    """A variant: a catalog row (``VariantRow``) or a model instance."""

    id: int
    product_id: int
    price: Decimal
    category_id: int


def pricing_lines(
    items: Iterable[tuple[Priced, int]], *, with_categories: bool
) -> list[PricingLine]:
    """(variant, quantity) pairs as pricing lines, at the variants' current prices."""
    lineage = category_lineage_map() if with_categories else {}
    return [
        PricingLine(
            product_id=variant.product_id,
            unit_price=variant.price,
            quantity=quantity,
            category_ids=lineage.get(variant.category_id, frozenset()),
            variant_id=variant.id,
        )
        for variant, quantity in items
    ]
