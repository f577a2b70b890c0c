"""The one availability rule: how many units of a product a shopper can have now.

The cart's add, set and read, the merge and the checkout all ask :func:`availability`,
so a line is judged, and its shortage worded, the same way everywhere.
"""

from dataclasses import dataclass
from typing import Protocol

OK, REDUCED, OUT_OF_STOCK, UNAVAILABLE = "ok", "reduced", "out_of_stock", "unavailable"


class Sellable(Protocol):
    """A variant: a catalog row or a model instance."""

    name: str
    stock: int
    on_sale: bool  # the variant and its product both active


@dataclass(frozen=True, slots=True)
class Availability:
    status: str  # ok | reduced | out_of_stock | unavailable
    requested: int
    available: int  # units in stock (0 when the product is gone or archived)
    message: str  # "" when ok

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def quantity(self) -> int:
        """What the shopper can have of what they asked for."""
        return min(self.requested, self.available)


def availability(product: Sellable | None, requested: int) -> Availability:
    """Whether ``requested`` units of ``product`` (a variant; None: deleted) can be had."""
    if product is None or not product.on_sale:
        name = product.name if product is not None else "This product"
        return Availability(
            UNAVAILABLE, requested, 0, f"{name} is no longer available."
        )
    return stock_availability(product.name, product.stock, requested)


def stock_availability(name: str, stock: int, requested: int) -> Availability:
    """Whether ``requested`` units can be taken from ``stock``, whether or not the
    product is on sale (the stock service's check: a seller adjusts an archived
    product's stock too)."""
    stock = max(stock, 0)
    if stock == 0:
        return Availability(OUT_OF_STOCK, requested, 0, f"{name} is out of stock.")
    if requested > stock:
        return Availability(REDUCED, requested, stock, f"Only {stock} of {name} left.")
    return Availability(OK, requested, stock, "")
