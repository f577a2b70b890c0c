"""The stock service: the only code that changes a product's stock, each change with
its :class:`StockMovement` in the same transaction.

Rows are locked with ``SELECT ... FOR UPDATE`` in primary-key order, so that two
transactions touching the same products (two checkouts, a checkout and a cancel) wait
for each other instead of deadlocking. The check constraint ``stock >= 0`` is the
backstop.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from catalog.availability import stock_availability
from catalog.cache import catalog_changed
from catalog.models import Product, StockMovement
from shop.exceptions import InsufficientStock, NotFound, ShopError

MAX_STOCK = 1_000_000


@dataclass(frozen=True, slots=True)
class StockChange:
    product_id: int
    delta: int


def lock_products(product_ids: Iterable[int]) -> dict[int, Product]:
    """The products with these ids, locked FOR UPDATE in primary-key order (inside the
    caller's transaction); ids of no product are left out."""
    ids = sorted(set(product_ids))
    return {
        product.pk: product
        for product in Product.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
    }


def stock_apply(
    *,
    changes: Iterable[StockChange],
    reason: str,
    user=None,
    order=None,
    note: str = "",
    locked: Mapping[int, Product] | None = None,
    ceiling: int | None = None,
) -> dict[int, Product]:
    """Apply stock changes all or nothing, one movement each; the products changed.

    ``locked``: the products as the caller already locked them (:func:`lock_products`) in
    this transaction, e.g. checkout. Raises NotFound for an unknown product,
    InsufficientStock for a change that would take stock below zero, ShopError
    ``invalid_stock`` for an increase that would pass ``ceiling`` (what people type is
    capped at MAX_STOCK by :func:`stock_adjust`; stock coming back from a cancelled
    order is never refused).

    Every change is checked before anything is written, and a refusal is raised once
    the block is left: nothing is written, and a caller's transaction stays usable (no
    savepoint needed), its rows still locked.
    """
    changes = [change for change in changes if change.delta]
    if not changes:
        return {}
    ids = {change.product_id for change in changes}
    with transaction.atomic(savepoint=False):
        if locked is None or not ids <= locked.keys():
            locked = lock_products(ids)
        problem = _refusal(changes, locked, ceiling)
        if problem is None:
            return _write(changes, locked, reason, user=user, order=order, note=note)
    raise problem


def _refusal(changes: list[StockChange], locked: Mapping[int, Product], ceiling):
    """Why these changes cannot all be applied to the locked rows (None: they can)."""
    stock = {pk: product.stock for pk, product in locked.items()}
    for change in changes:
        product = locked.get(change.product_id)
        if product is None:
            return NotFound(f"Product {change.product_id} does not exist.")
        new_stock = stock[product.pk] + change.delta
        if new_stock < 0:
            short = stock_availability(product.name, stock[product.pk], -change.delta)
            return InsufficientStock(
                short.message, available=short.available, product_id=product.pk
            )
        if ceiling is not None and change.delta > 0 and new_stock > ceiling:
            return ShopError(
                f"Stock cannot go above {ceiling} ({product.name} has "
                f"{stock[product.pk]}).",
                code="invalid_stock",
                product_id=product.pk,
            )
        stock[product.pk] = new_stock
    return None


def _write(changes, locked, reason, *, user, order, note) -> dict[int, Product]:
    now = timezone.now()
    movements = []
    for change in changes:
        product = locked[change.product_id]
        product.stock, product.updated_at = product.stock + change.delta, now
        movements.append(
            StockMovement(
                product=product,
                delta=change.delta,
                stock_after=product.stock,
                reason=reason,
                note=note[:255],
                user=user if getattr(user, "is_authenticated", False) else None,
                order=order,
                created_at=now,
            )
        )
    changed = {change.product_id: locked[change.product_id] for change in changes}
    # One UPDATE whatever the number of rows, as bulk_update would write it, without
    # bulk_update's per-row expressions for every field (most of its cost).
    Product.objects.filter(pk__in=list(changed)).update(
        stock=Case(
            *[When(pk=pk, then=Value(p.stock)) for pk, p in changed.items()],
            output_field=IntegerField(),
        ),
        updated_at=now,
    )
    StockMovement.objects.bulk_create(movements)
    catalog_changed()  # update() sends no model signal
    return changed


def stock_adjust(
    *, product: Product | int, delta: int, reason: str, user=None, order=None, note=""
) -> Product:
    """Change one product's stock by ``delta`` (kept within 0..MAX_STOCK) and record
    it; the product after."""
    product_id = product.pk if isinstance(product, Product) else int(product)
    changed = stock_apply(
        changes=[StockChange(product_id, delta)],
        reason=reason,
        user=user,
        order=order,
        note=note,
        ceiling=MAX_STOCK,
    )
    return changed.get(product_id) or Product.objects.get(pk=product_id)


@transaction.atomic
def stock_edit(
    *, product: Product | int, shown: int, wanted: int, reason: str, user=None, note=""
) -> Product:
    """An editor changed the stock they were shown from ``shown`` to ``wanted``: that
    change is applied to the stock as it is now, under the row lock (sales made while the
    form was open stay sold), kept within 0..MAX_STOCK."""
    product_id = product.pk if isinstance(product, Product) else int(product)
    current = lock_products([product_id]).get(product_id)
    if current is None:
        raise NotFound(f"Product {product_id} does not exist.")
    change = wanted - shown
    target = max(current.stock + change, 0)
    if change > 0:  # an increase stops at the cap (and never lowers a stock above it)
        target = min(target, max(MAX_STOCK, current.stock))
    changed = stock_apply(
        changes=[StockChange(product_id, target - current.stock)],
        reason=reason,
        user=user,
        note=note,
        locked={product_id: current},
        ceiling=MAX_STOCK,
    )
    return changed.get(product_id, current)
