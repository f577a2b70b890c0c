"""Writes to the catalog: products and categories. Options and variants are
``catalog.variants``'; stock is ``catalog.stock``'s."""

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify

from catalog.models import Category, Product
from catalog.selectors import category_lineage_map
from catalog.variants import options_set, single_variant, variant_create, variant_update
from shop.exceptions import Conflict, ShopError

PRODUCT_EDITABLE_FIELDS = ("name", "description", "category", "is_active")
_SLUG_ATTEMPTS = 20


def _slug_base(name: str, *, max_length: int, fallback: str = "product") -> str:
    # ASCII slugs so that every slug fits the storefront's <slug:...> routes.
    return (slugify(name)[:max_length].strip("-")) or fallback


def _next_free_slug(base: str) -> str:
    """``base`` if free, else ``base-N`` with N one above the highest suffix in use."""
    taken = set(
        Product.objects.filter(
            Q(slug=base) | Q(slug__startswith=f"{base}-")
        ).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    suffixes = [
        int(slug[len(base) + 1 :])
        for slug in taken
        if slug != base and slug[len(base) + 1 :].isdigit()
    ]
    return f"{base}-{max(suffixes, default=1) + 1}"


def _save_with_free_slug(product: Product) -> Product:
    base = _slug_base(
        product.name, max_length=Product._meta.get_field("slug").max_length - 8
    )
    for _ in range(_SLUG_ATTEMPTS):
        product.slug = _next_free_slug(base)
        try:
            # A concurrent create may take the same slug first: retry with the next one.
            with transaction.atomic():
                product.save(force_insert=True)
        except IntegrityError:
            if not Product.objects.filter(slug=product.slug).exists():
                raise
            continue
        return product
    raise Conflict("Could not find a free slug for this product; try again.")


@transaction.atomic
def product_create(
    *,
    seller,
    name: str,
    category: Category,
    description: str = "",
    is_active: bool = True,
    price: Decimal | None = None,
    stock: int = 0,
    sku: str | None = None,
    weight_grams: int = 0,
    options: Sequence[Mapping] | None = None,
    variants: Sequence[Mapping] | None = None,
    user=None,
) -> Product:
    """Create a product with a unique slug made from its name: either one variant
    (``price``, ``stock``, ``sku``, ``weight_grams``), or ``options`` and ``variants``
    (each ``{sku, options, price, stock, weight_grams}``). Initial stock is a movement."""
    if variants is None:
        specs = [
            {"price": price, "stock": stock, "sku": sku, "weight_grams": weight_grams}
        ]
        options = []
    else:
        specs = list(variants)
        if not specs:
            raise ValidationError(
                {"variants": ["A product needs at least one variant."]}
            )
    prices = [spec.get("price") for spec in specs]
    if not all(isinstance(p, Decimal) and p.is_finite() for p in prices):
        field = "price" if variants is None else "variants"
        raise ValidationError({field: ["A price is at least 0.01."]})
    product = _save_with_free_slug(
        Product(
            seller=seller,
            category=category,
            name=name,
            description=description,
            price=max(min(prices), Decimal("0.01")),
            is_active=is_active,
        )
    )
    options_set(product=product, options=options or [])
    for number, spec in enumerate(specs, start=1):
        try:
            variant_create(
                product=product,
                price=spec["price"],
                options=spec.get("options") or {},
                sku=spec.get("sku"),
                stock=spec.get("stock", 0),
                weight_grams=spec.get("weight_grams", 0),
                user=user or seller,
            )
        except ValidationError as error:
            if variants is None:
                raise  # the one variant's fields are the product's
            raise ValidationError(
                {"variants": [f"Variant {number}: {m}" for m in error.messages]}
            ) from error
    return product


@transaction.atomic
def product_update(*, product: Product, user=None, **fields) -> Product:
    """Change a product's descriptive fields. ``price`` is its variant's, for a
    one-variant product; stock changes only through adjust-stock (a movement)."""
    if "stock" in fields:
        raise ShopError(
            "Stock cannot be set here; use adjust-stock so the change is recorded.",
            code="stock_read_only",
        )
    price = fields.pop("price", None)
    unknown = set(fields) - set(PRODUCT_EDITABLE_FIELDS)
    if unknown:
        raise ShopError(f"Cannot change {', '.join(sorted(unknown))}.", code="invalid")
    for field, value in fields.items():
        setattr(product, field, value)
    if fields:
        product.save(update_fields=[*fields, "updated_at"])
    if price is not None:
        variant_update(variant=single_variant(product), price=price)
        product.refresh_from_db(fields=["price"])
    return product


@transaction.atomic
def product_archive(*, product: Product, user=None) -> Product:
    """Hide a product from the shop (``is_active=False``); orders keep their snapshot."""
    if product.is_active:
        product.is_active = False
        product.save(update_fields=["is_active", "updated_at"])
    return product


def category_check_parent(category: Category | None, parent: Category | None) -> None:
    """Refuse to place ``category`` under itself or one of its sub-categories. Inside a
    transaction it first locks every category row (the tree is small): two moves at
    once (A under B, B under A) cannot both pass the check."""
    if parent is None or category is None or category.pk is None:
        return
    if transaction.get_connection().in_atomic_block:
        list(Category.objects.select_for_update().values_list("pk", flat=True))
    if category.pk in category_lineage_map().get(parent.pk, frozenset()):
        raise ShopError(
            "A category cannot be placed under itself or one of its sub-categories.",
            code="category_cycle",
        )


@transaction.atomic
def category_create(
    *, name: str, slug: str = "", parent: Category | None = None
) -> Category:
    """Create a category; the slug defaults to one made from the name."""
    slug = slug or _slug_base(
        name,
        max_length=Category._meta.get_field("slug").max_length,
        fallback="category",
    )
    if Category.objects.filter(slug=slug).exists():
        raise Conflict(
            f"A category with the slug {slug!r} already exists.", code="slug_taken"
        )
    try:
        with transaction.atomic():
            return Category.objects.create(name=name, slug=slug, parent=parent)
    except IntegrityError as exc:
        raise Conflict(
            f"A category with the slug {slug!r} already exists.", code="slug_taken"
        ) from exc


@transaction.atomic
def category_update(*, category: Category, **fields) -> Category:
    """Rename, re-slug or move a category (never under itself)."""
    if "parent" in fields:
        category_check_parent(category, fields["parent"])
    slug = fields.get("slug")
    if slug and Category.objects.filter(slug=slug).exclude(pk=category.pk).exists():
        raise Conflict(
            f"A category with the slug {slug!r} already exists.", code="slug_taken"
        )
    for field, value in fields.items():
        setattr(category, field, value)
    category.save(update_fields=[*fields, "updated_at"])
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete an empty category; one that still holds products or sub-categories is a 409."""
    if Product.objects.filter(category=category).exists():
        raise Conflict(
            "This category still has products (archived ones included); move them first.",
            code="category_in_use",
        )
    if category.children.exists():
        raise Conflict(
            "This category has sub-categories; move or delete them first.",
            code="category_in_use",
        )
    category.delete()
