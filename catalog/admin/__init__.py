"""The catalog's admin, for staff: products with their options, variants and images;
the stock list; the stock ledger; categories. Stock edited here goes through the stock
service and leaves a movement; rows are locked in the checkout's order."""

from .categories import CategoryAdmin
from .products import ProductAdmin, create_missing_variants
from .stock import LowStockFilter, StockMovementAdmin, VariantAdmin

__all__ = [
    "CategoryAdmin",
    "LowStockFilter",
    "ProductAdmin",
    "StockMovementAdmin",
    "VariantAdmin",
    "create_missing_variants",
]
