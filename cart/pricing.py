"""The one way a cart's lines become pricing lines, for the cart's read, a coupon's check
and the checkout: the catalog's current price, and the category lineage a coupon's scope
needs (one query, only when there is a coupon)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from catalog.selectors import category_lineage_map
from pricing.lines import PricingLine


class Priced(Protocol):
    id: int
    price: Decimal
    category_id: int


def pricing_lines(
    items: Iterable[tuple[Priced, int]], *, with_categories: bool
) -> list[PricingLine]:
    """(product, quantity) pairs as pricing lines, at the products' current prices."""
    lineage = category_lineage_map() if with_categories else {}
    return [
        PricingLine(
            product.id,
            product.price,
            quantity,
            lineage.get(product.category_id, frozenset()),
        )
        for product, quantity in items
    ]
