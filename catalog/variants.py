"""Writes to a product's options and variants: the rules of what a variant may be, and
the product's price kept as the lowest of its active variants'. Stock is ``catalog.stock``'s.

A product has at most three options, each with distinct values; each variant names one
value of every option, no two variants of a product alike (a unique constraint on the
values in option order, the variant's ``signature``), and every SKU is unique in the shop.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min

from catalog.cache import catalog_changed
from catalog.models import (
    MAX_OPTIONS,
    Product,
    ProductImage,
    ProductOption,
    StockMovement,
    Variant,
)
from catalog.stock import MAX_STOCK, stock_adjust
from shop.exceptions import ShopError

SKU_MAX_LENGTH = Variant._meta.get_field("sku").max_length
OPTION_NAME_MAX_LENGTH = ProductOption._meta.get_field("name").max_length
OPTION_VALUE_MAX_LENGTH = 50
MAX_WEIGHT_GRAMS = 1_000_000
SEPARATOR = "\x1f"  # between the values of a signature: a character nobody types
VARIANT_FIELDS = ("price", "sku", "weight_grams", "is_active", "image")


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def variant_required(product: Product) -> ShopError:
    return ShopError(
        f"{product.name} has several variants: name one (variant_id).",
        code="variant_required",
    )


def options_clean(options: Iterable[Mapping]) -> list[tuple[str, list[str]]]:
    """``[{name, values}]`` as (name, values) pairs, checked: at most three options,
    names and each option's values distinct and not blank."""
    cleaned, names = [], set()
    for option in options:
        name = str(option.get("name", "")).strip()
        values = [str(value).strip() for value in option.get("values", [])]
        if not name or len(name) > OPTION_NAME_MAX_LENGTH:
            raise _invalid(
                "options",
                f"An option needs a name of 1 to {OPTION_NAME_MAX_LENGTH} characters.",
            )
        if name.casefold() in names:
            raise _invalid("options", f"The option {name!r} is named twice.")
        if not values or any(not v or len(v) > OPTION_VALUE_MAX_LENGTH for v in values):
            raise _invalid(
                "options",
                f"The option {name!r} needs values of 1 to {OPTION_VALUE_MAX_LENGTH} characters.",
            )
        if len({v.casefold() for v in values}) != len(values):
            raise _invalid("options", f"The option {name!r} names a value twice.")
        names.add(name.casefold())
        cleaned.append((name, values))
    if len(cleaned) > MAX_OPTIONS:
        raise _invalid("options", f"A product has at most {MAX_OPTIONS} options.")
    return cleaned


def signature_of(
    options: list[tuple[str, list[str]]], values: Mapping
) -> tuple[dict, str]:
    """A variant's option values checked against the product's options: (the values in
    option order, its signature). It must name one declared value of every option."""
    if not isinstance(values, Mapping):
        raise _invalid("options", "Give the variant's options as {name: value}.")
    names = [name for name, _ in options]
    if set(values) != set(names):
        expected = ", ".join(names) or "none"
        raise _invalid(
            "options", f"A variant names one value of every option ({expected})."
        )
    ordered = {}
    for name, allowed in options:
        value = values[name]
        if value not in allowed:
            raise _invalid("options", f"{value!r} is not a value of {name}.")
        ordered[name] = value
    return ordered, SEPARATOR.join(ordered.values())


def _product_options(product: Product) -> list[tuple[str, list[str]]]:
    return [(o.name, list(o.values)) for o in product.options.order_by("position")]


def _check_sku(sku, *, exclude: int | None = None) -> str:
    if not isinstance(sku, str) or not sku.strip() or len(sku.strip()) > SKU_MAX_LENGTH:
        raise _invalid("sku", f"A SKU is 1 to {SKU_MAX_LENGTH} characters.")
    sku = sku.strip()
    taken = Variant.objects.filter(sku__iexact=sku)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise _invalid("sku", f"The SKU {sku!r} is already in use.")
    return sku


def _default_sku(product: Product, values: dict) -> str:
    """SLUG-M-RED, made unique with a number when taken."""
    base = "-".join([product.slug, *values.values()]).upper().replace(" ", "-")
    base = base[: SKU_MAX_LENGTH - 6]
    sku, n = base, 1
    while Variant.objects.filter(sku__iexact=sku).exists():
        n += 1
        sku = f"{base}-{n}"
    return sku


def _check_weight(weight_grams) -> int:
    if (
        not isinstance(weight_grams, int)
        or isinstance(weight_grams, bool)
        or not 0 <= weight_grams <= MAX_WEIGHT_GRAMS
    ):
        raise _invalid("weight_grams", f"A weight is 0 to {MAX_WEIGHT_GRAMS} grams.")
    return weight_grams


def _check_price(price) -> Decimal:
    if (
        not isinstance(price, Decimal)
        or not price.is_finite()
        or price < Decimal("0.01")
    ):
        raise _invalid("price", "A price is at least 0.01.")
    return price


@transaction.atomic
def options_set(*, product: Product, options: Iterable[Mapping]) -> None:
    """Give a product without variants its options (position in the order given)."""
    product.options.all().delete()
    ProductOption.objects.bulk_create(
        ProductOption(product=product, name=name, position=i, values=values)
        for i, (name, values) in enumerate(options_clean(options))
    )
    catalog_changed()  # bulk_create sends no model signal


@transaction.atomic
def variant_create(
    *,
    product: Product,
    price: Decimal,
    options: Mapping | None = None,
    sku: str | None = None,
    stock: int = 0,
    weight_grams: int = 0,
    user=None,
) -> Variant:
    """Add a variant to a product; its initial stock is a movement."""
    values, signature = signature_of(_product_options(product), options or {})
    if Variant.objects.filter(product=product, signature=signature).exists():
        raise _invalid(
            "options", "The product already has a variant with these options."
        )
    if not isinstance(stock, int) or not 0 <= stock <= MAX_STOCK:
        raise _invalid("stock", f"Stock is between 0 and {MAX_STOCK}.")
    variant = Variant(
        product=product,
        sku=_check_sku(sku) if sku else _default_sku(product, values),
        options=values,
        signature=signature,
        price=_check_price(price),
        stock=0,
        weight_grams=_check_weight(weight_grams),
    )
    try:
        with transaction.atomic():  # a concurrent create may take the SKU first
            variant.save(force_insert=True)
    except IntegrityError as exc:
        raise _invalid("sku", "This SKU or these options are already in use.") from exc
    if stock:
        variant = stock_adjust(
            variant=variant, delta=stock, reason=StockMovement.Reason.INITIAL, user=user
        )
    product_reprice(product=product)
    return variant


@transaction.atomic
def variant_update(*, variant: Variant, **fields) -> Variant:
    """Change a variant's price, SKU, weight, state or image (one of its product's)."""
    unknown = set(fields) - set(VARIANT_FIELDS)
    if unknown:
        raise ShopError(f"Cannot change {', '.join(sorted(unknown))}.", code="invalid")
    if "price" in fields:
        fields["price"] = _check_price(fields["price"])
    if "sku" in fields:
        fields["sku"] = _check_sku(fields["sku"], exclude=variant.pk)
    if "weight_grams" in fields:
        fields["weight_grams"] = _check_weight(fields["weight_grams"])
    image = fields.get("image")
    if image is not None and image.product_id != variant.product_id:
        raise _invalid("image_id", "The image is not one of this product's.")
    for field, value in fields.items():
        setattr(variant, field, value)
    try:
        with transaction.atomic():
            variant.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as exc:
        raise _invalid("sku", "This SKU is already in use.") from exc
    if {"price", "is_active"} & fields.keys():
        product_reprice(product=variant.product)
    return variant


def variant_archive(*, variant: Variant) -> Variant:
    """Take a variant off sale (``is_active=False``); carts and orders keep its snapshot."""
    return (
        variant_update(variant=variant, is_active=False)
        if variant.is_active
        else variant
    )


def product_reprice(*, product: Product) -> None:
    """The product's price: the lowest of its active variants' ("from"), or of all its
    variants' when none is active."""
    variants = Variant.objects.filter(product=product)
    price = (
        variants.filter(is_active=True).aggregate(low=Min("price"))["low"]
        or variants.aggregate(low=Min("price"))["low"]
    )
    if price is not None and price != product.price:
        Product.objects.filter(pk=product.pk).update(price=price)
        product.price = price
        catalog_changed()  # update() sends no model signal


def single_variant(product: Product) -> Variant:
    """The variant of a one-variant product; 400 ``variant_required`` when it has more."""
    variants = list(product.variants.all()[:2])
    if len(variants) != 1:
        raise variant_required(product)
    return variants[0]


def image_of(product: Product, image_id) -> ProductImage | None:
    """One of the product's images, by id (None: no image)."""
    if image_id is None:
        return None
    image = (
        product.images.filter(pk=image_id).first()
        if isinstance(image_id, int)
        else None
    )
    if image is None:
        raise _invalid("image_id", "No such image of this product.")
    return image
