"""The catalog's admin: products with their options, variants and images; the stock
list; the stock ledger; categories; the product CSV import and export. Stock edited
here goes through the stock service and leaves a movement; rows are locked in the
checkout's order. Sellers use it too, scoped to their own products (.sellers)."""

from django.contrib import admin

from .categories import CategoryAdmin
from .imports import ProductCsvResource
from .products import ProductAdmin, create_missing_variants
from .sellers import SellerScopedAdmin, admit_sellers, is_seller_request
from .stock import LowStockFilter, StockMovementAdmin, VariantAdmin

# is_staff means "everything" here, so sellers are not staff: the site admits them and
# each model admin decides what they see (only the catalog's, scoped to their own).
admit_sellers(admin.site)

__all__ = [
    "CategoryAdmin",
    "LowStockFilter",
    "ProductAdmin",
    "ProductCsvResource",
    "SellerScopedAdmin",
    "StockMovementAdmin",
    "VariantAdmin",
    "create_missing_variants",
    "is_seller_request",
]
