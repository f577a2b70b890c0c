"""Writes to the catalog. Stock changes only here, each with its StockMovement row."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from catalog.models import Product, StockMovement
from shop.exceptions import InsufficientStock, NotFound


@dataclass(frozen=True)
class StockChange:
    product_id: int
    delta: int


@transaction.atomic
def stock_apply(
    *,
    changes: Iterable[StockChange],
    reason: str,
    user=None,
    order=None,
    note: str = "",
) -> dict[int, Product]:
    """Apply several stock changes at once, all or nothing, one movement per change.

    Rows are locked with SELECT ... FOR UPDATE in primary-key order, so that two
    transactions touching the same products cannot deadlock. Raises InsufficientStock
    (with ``available``) for the first change that would take stock below zero.
    """
    changes = [c for c in changes if c.delta != 0]
    ids = sorted({c.product_id for c in changes})
    locked = {
        p.pk: p for p in Product.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    missing = [pk for pk in ids if pk not in locked]
    if missing:
        raise NotFound(f"Product {missing[0]} does not exist.")

    now = timezone.now()
    movements = []
    for change in changes:
        product = locked[change.product_id]
        new_stock = product.stock + change.delta
        if new_stock < 0:
            raise InsufficientStock(
                f"Only {product.stock} of {product.name} left.",
                available=product.stock,
                product_id=product.pk,
            )
        product.stock = new_stock
        product.updated_at = now
        movements.append(
            StockMovement(
                product=product, delta=change.delta, stock_after=new_stock, reason=reason,
                note=note[:255], user=user if getattr(user, "is_authenticated", False) else None,
                order=order,
            )
        )
    # The check constraint (stock >= 0) stays the backstop for any path we missed.
    Product.objects.bulk_update(list(locked.values()), ["stock", "updated_at"])
    StockMovement.objects.bulk_create(movements)
    return locked


def stock_adjust(
    *, product: Product | int, delta: int, reason: str, user=None, order=None, note: str = ""
) -> Product:
    """Change one product's stock by ``delta`` and record the movement."""
    product_id = product.pk if isinstance(product, Product) else int(product)
    return stock_apply(
        changes=[StockChange(product_id, delta)], reason=reason, user=user, order=order, note=note
    ).get(product_id) or Product.objects.get(pk=product_id)


@transaction.atomic
def stock_set(*, product: Product | int, stock: int, reason: str, user=None, note: str = "") -> Product:
    """Set a product's stock to an absolute level (the admin's edit), as a movement."""
    product_id = product.pk if isinstance(product, Product) else int(product)
    if stock < 0:
        raise InsufficientStock("Stock cannot be negative.", available=0, product_id=product_id)
    current = Product.objects.select_for_update().get(pk=product_id)
    return stock_adjust(
        product=product_id, delta=stock - current.stock, reason=reason, user=user, note=note
    )
