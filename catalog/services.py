"""Writes to the catalog. Stock changes only here, each with its StockMovement row."""

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from catalog.cache import catalog_changed
from catalog.models import Category, Product, StockMovement
from catalog.selectors import category_lineage_map
from shop.exceptions import Conflict, InsufficientStock, NotFound, ShopError
from shop.statements import execute_prepared, lock_by_pk


@dataclass(frozen=True)
class StockChange:
    product_id: int
    delta: int


def stock_apply(
    *,
    changes: Iterable[StockChange],
    reason: str,
    user=None,
    order=None,
    note: str = "",
    ceiling: int | None = None,
    locked: Mapping[int, Product] | None = None,
    savepoint: bool = True,
    announce: bool = True,
) -> dict[int, Product]:
    """Apply several stock changes at once, all or nothing, one movement per change.

    Rows are locked with SELECT ... FOR UPDATE in primary-key order, so that two
    transactions touching the same products cannot deadlock. Raises InsufficientStock
    (with ``available``) for the first change that would take stock below zero, and
    ShopError ``invalid_stock`` for an increase that would pass ``ceiling``.
    ``locked``: the products as the caller already locked them FOR UPDATE (in pk order)
    in the same transaction, e.g. checkout: they are not locked and read a second time.
    ``savepoint=False``: inside the caller's transaction, without a savepoint of its
    own (two round trips fewer), for a caller that lets any failure here roll its whole
    transaction back (checkout, cancel).
    ``announce=False``: the caller replaces the catalog cache's version token itself
    once the transaction commits (checkout: with its cart's take, in one round trip).
    """
    with transaction.atomic(savepoint=savepoint):
        return _stock_apply(
            changes, reason, user, order, note, ceiling, locked, announce
        )


def _stock_apply(changes, reason, user, order, note, ceiling, locked, announce):
    changes = [c for c in changes if c.delta != 0]
    ids = sorted({c.product_id for c in changes})
    if locked is not None and all(pk in locked for pk in ids):
        locked = {pk: locked[pk] for pk in ids}
    else:
        locked = lock_by_pk(Product, ids)
    missing = [pk for pk in ids if pk not in locked]
    if missing:
        raise NotFound(f"Product {missing[0]} does not exist.")

    now = timezone.now()
    moves = []  # (product id, delta, stock after): a movement each, written below
    for change in changes:
        product = locked[change.product_id]
        new_stock = product.stock + change.delta
        if new_stock < 0:
            raise InsufficientStock(
                f"Only {product.stock} of {product.name} left.",
                available=product.stock,
                product_id=product.pk,
            )
        if ceiling is not None and change.delta > 0 and new_stock > ceiling:
            raise ShopError(
                f"Stock cannot go above {ceiling} ({product.name} has {product.stock}).",
                code="invalid_stock",
                product_id=product.pk,
            )
        product.stock = new_stock
        product.updated_at = now
        moves.append((product.pk, change.delta, new_stock))
    # The check constraint (stock >= 0) stays the backstop for any path we missed.
    if announce and locked:
        catalog_changed()  # no model signal for these writes
    movement = {
        "reason": reason,
        "note": note[:255],
        "user_id": user.pk if getattr(user, "is_authenticated", False) else None,
        "order_id": None if order is None else order.pk,
        "created_at": now,
    }
    _write_stock(list(locked.values()), moves, movement, now)
    return locked


def _write_stock(products: list[Product], moves: list, movement: dict, now) -> None:
    """Save the products' new stock and their movements: ``moves`` as (product id,
    delta, stock after), each with the fields ``movement`` gives.

    On PostgreSQL one statement: an ``UPDATE ... FROM unnest(ids, stocks)`` in a WITH
    (bulk_update's CASE WHEN expressions cost more Python than the rest of a checkout's
    stock step) and the movements' ``INSERT ... SELECT FROM unnest(...)``: one round
    trip instead of two, and no StockMovement instances. A data-modifying WITH always
    runs to completion.
    """
    if not products:
        return
    if connection.vendor != "postgresql":
        Product.objects.bulk_update(products, ["stock", "updated_at"])
        StockMovement.objects.bulk_create(
            StockMovement(product_id=pk, delta=delta, stock_after=after, **movement)
            for pk, delta, after in moves
        )
        return
    n = len(moves)
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            _stock_write_sql(),
            STOCK_WRITE_TYPES,
            [
                now,
                [p.pk for p in products],
                [p.stock for p in products],
                [m[0] for m in moves],
                [m[1] for m in moves],
                [m[2] for m in moves],
                [movement["reason"]] * n,
                [movement["note"]] * n,
                [movement["user_id"]] * n,
                [movement["order_id"]] * n,
                [now] * n,
            ],
        )


#: The types of :func:`_stock_write_sql`'s parameters, in order.
STOCK_WRITE_TYPES = (
    "timestamptz", "bigint[]", "integer[]",
    "bigint[]", "integer[]", "integer[]", "varchar[]", "varchar[]", "bigint[]",
    "bigint[]", "timestamptz[]",
)  # fmt: skip


@functools.cache
def _stock_write_sql() -> str:
    """The statement of :func:`_write_stock` (PostgreSQL), from the models' metadata."""
    quote = connection.ops.quote_name
    product, movement = Product._meta, StockMovement._meta
    fields = ("product", "delta", "stock_after", "reason", "note", "user", "order",
              "created_at")  # fmt: skip
    columns = ", ".join(quote(movement.get_field(name).column) for name in fields)
    return (
        f"WITH stock AS (UPDATE {quote(product.db_table)} AS p "  # noqa: S608
        f"SET {quote('stock')} = v.stock, {quote('updated_at')} = %s "
        "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, stock) "
        f"WHERE p.{quote(product.pk.column)} = v.id) "
        f"INSERT INTO {quote(movement.db_table)} ({columns}) "
        "SELECT * FROM unnest(%s::bigint[], %s::integer[], %s::integer[], "
        "%s::varchar[], %s::varchar[], %s::bigint[], %s::bigint[], %s::timestamptz[])"
    )


def stock_adjust(
    *,
    product: Product | int,
    delta: int,
    reason: str,
    user=None,
    order=None,
    note: str = "",
) -> Product:
    """Change one product's stock by ``delta`` (never above MAX_STOCK) and record it."""
    product_id = product.pk if isinstance(product, Product) else int(product)
    return stock_apply(
        changes=[StockChange(product_id, delta)],
        reason=reason,
        user=user,
        order=order,
        note=note,
        ceiling=MAX_STOCK,
    ).get(product_id) or Product.objects.get(pk=product_id)


@transaction.atomic
def stock_set(
    *, product: Product | int, stock: int, reason: str, user=None, note: str = ""
) -> Product:
    """Set a product's stock to an absolute level (the admin's edit), as a movement."""
    product_id = product.pk if isinstance(product, Product) else int(product)
    if stock < 0:
        raise InsufficientStock(
            "Stock cannot be negative.", available=0, product_id=product_id
        )
    current = Product.objects.select_for_update().get(pk=product_id)
    return _stock_to(current, stock, reason=reason, user=user, note=note)


@transaction.atomic
def stock_edit(
    *, product: Product | int, shown: int, wanted: int, reason: str, user=None,
    note: str = "",
) -> Product:  # fmt: skip
    """An editor changed the stock they were shown from ``shown`` to ``wanted``: apply
    that change to the stock as it is now, under the row lock (sales made while the
    form was open stay sold), kept within 0..MAX_STOCK. Nothing is written for no
    change."""
    product_id = product.pk if isinstance(product, Product) else int(product)
    current = Product.objects.select_for_update().get(pk=product_id)
    target = min(max(current.stock + wanted - shown, 0), MAX_STOCK)
    return _stock_to(current, target, reason=reason, user=user, note=note)


def _stock_to(current: Product, target: int, *, reason, user, note) -> Product:
    """Move a product locked FOR UPDATE (``current``) to ``target`` units, as one
    movement of the difference; nothing is written when it is already there."""
    if target == current.stock:
        return current
    return stock_adjust(
        product=current.pk,
        delta=target - current.stock,
        reason=reason,
        user=user,
        note=note,
    )


# --- Products and categories ----------------------------------------------------------

PRODUCT_EDITABLE_FIELDS = (
    "name",
    "description",
    "price",
    "category",
    "is_active",
    "image",
)
MAX_STOCK = 1_000_000
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
