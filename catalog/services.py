"""Writes to the catalog: products and categories. Stock changes in ``catalog.stock``."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify

from catalog.models import Category, Product, StockMovement
from catalog.selectors import category_lineage_map
from catalog.stock import MAX_STOCK, stock_adjust
from shop.exceptions import Conflict, ShopError

# --- Products and categories ----------------------------------------------------------

PRODUCT_EDITABLE_FIELDS = (
    "name",
    "description",
    "price",
    "category",
    "is_active",
    "image",
)
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


@transaction.atomic
def product_create(
    *,
    seller,
    name: str,
    price: Decimal,
    category: Category,
    description: str = "",
    stock: int = 0,
    is_active: bool = True,
    image=None,
    user=None,
) -> Product:
    """Create a product with a unique slug made from its name; initial stock as a movement."""
    if stock < 0 or stock > MAX_STOCK:
        raise ShopError(
            f"Stock must be between 0 and {MAX_STOCK}.", code="invalid_stock"
        )
    base = _slug_base(name, max_length=Product._meta.get_field("slug").max_length - 8)
    for _ in range(_SLUG_ATTEMPTS):
        product = Product(
            seller=seller,
            category=category,
            name=name,
            description=description,
            price=price,
            stock=0,
            is_active=is_active,
            slug=_next_free_slug(base),
        )
        if image:
            product.image = image
        try:
            # A concurrent create may take the same slug first: retry with the next one.
            with transaction.atomic():
                product.save()
        except IntegrityError:
            if not Product.objects.filter(slug=product.slug).exists():
                raise
            continue
        break
    else:
        raise Conflict("Could not find a free slug for this product; try again.")
    if stock:
        product = stock_adjust(
            product=product,
            delta=stock,
            reason=StockMovement.Reason.INITIAL,
            user=user or seller,
        )
    return product


@transaction.atomic
def product_update(*, product: Product, user=None, **fields) -> Product:
    """Change a product's descriptive fields. Stock is refused: it changes only as a movement."""
    if "stock" in fields:
        raise ShopError(
            "Stock cannot be set here; use adjust-stock so the change is recorded.",
            code="stock_read_only",
        )
    unknown = set(fields) - set(PRODUCT_EDITABLE_FIELDS)
    if unknown:
        raise ShopError(f"Cannot change {', '.join(sorted(unknown))}.", code="invalid")
    for field, value in fields.items():
        setattr(product, field, value)
    # update_fields keeps this write off the stock column (owned by stock_apply).
    product.save(update_fields=[*fields, "updated_at"])
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
