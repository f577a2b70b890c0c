"""Fixture data of the cart's and the checkout's tests, on the catalog's factories: a
product with several variants, and the variants of products."""

from decimal import Decimal
from itertools import count

from catalog.models import Product, Variant
from catalog.tests.factories import product_with_variants

SIZES, COLOURS = ["S", "M"], ["Red", "Blue"]
_tees = count(1)


def variant_of(product: Product) -> Variant:
    """The variant of a one-variant product (``ProductFactory(price=, stock=)``)."""
    return product.variants.select_related("product").get()


def tee(*, price=Decimal("20.00"), stock=10, **product_fields) -> Product:
    """A "Tee" in Size S/M × Colour Red/Blue: four variants at ``price`` with ``stock``
    each, named "Tee — M / Red"."""
    product_fields.setdefault("name", "Tee")
    product_fields.setdefault("slug", f"tee-{next(_tees)}")
    return product_with_variants(
        options={"Size": SIZES, "Colour": COLOURS},
        variants=[
            {
                "options": {"Size": size, "Colour": colour},
                "price": price,
                "stock": stock,
            }
            for size in SIZES
            for colour in COLOURS
        ],  # fmt: skip
        **product_fields,
    )


def variant(product: Product, **options) -> Variant:
    """The product's variant with these option values: ``variant(tee, Size="M",
    Colour="Red")``."""
    return product.variants.select_related("product").get(options=options)


def set_stock(variant: Variant, stock: int) -> None:
    """The variant's stock set directly, as fixture data (no movement)."""
    Variant.objects.filter(pk=variant.pk).update(stock=stock)


def set_price(variant: Variant, price: Decimal) -> None:
    """The variant's price set directly, as fixture data."""
    Variant.objects.filter(pk=variant.pk).update(price=price)
