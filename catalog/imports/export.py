"""The export: the import's columns, one row per variant, so that its re-import
changes nothing."""

from catalog.models import Variant

from .plan import COLUMNS, OPTION_PREFIX


def products_export(*, products) -> tuple[list[str], list[list]]:
    """The CSV of ``products``' variants (the import's columns): headers and rows."""
    variants = list(
        Variant.objects.filter(product__in=products)
        .select_related("product__category")
        .order_by("product_id", "pk")
    )
    names: list[str] = []
    for variant in variants:
        for name in variant.options:
            if name not in names:
                names.append(name)
    headers = [*COLUMNS, *(f"{OPTION_PREFIX}{n}" for n in names)]
    rows = [
        [
            v.sku,
            v.product.name,
            v.product.description,
            v.product.category.slug,
            f"{v.price:.2f}",
            v.stock,
            v.weight_grams,
            *(v.options.get(n, "") for n in names),
        ]
        for v in variants
    ]
    return headers, rows
