"""The stock service: the only code that changes a variant's stock, each change with
its :class:`StockMovement` in the same transaction.

Rows are locked with ``SELECT ... FOR UPDATE`` in primary-key order, so that two
transactions touching the same variants (two checkouts, a checkout and a cancel) wait
for each other instead of deadlocking; variants of one product are separate rows, so
buyers of one never wait for buyers of another. The check constraint ``stock >= 0`` is
the backstop.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from catalog.availability import stock_availability
from catalog.cache import catalog_changed
from catalog.models import StockMovement, Variant, variant_name
from catalog.restock import restock_queue
from shop.exceptions import InsufficientStock, NotFound, ShopError

MAX_STOCK = 1_000_000


@dataclass(frozen=True, slots=True)
class StockChange:
    variant_id: int
    delta: int


def lock_variants(variant_ids: Iterable[int]) -> dict[int, Variant]:
    """The variants with these ids, with their products, locked FOR UPDATE in primary-key
    order (inside the caller's transaction; the product rows are read, not locked); ids
    of no variant are left out."""
    ids = sorted(set(variant_ids))
    return {
        variant.pk: variant
        for variant in Variant.objects.select_for_update(of=("self",))
        .select_related("product")
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
    locked: Mapping[int, Variant] | None = None,
    ceiling: int | None = None,
) -> dict[int, Variant]:
    """Apply stock changes all or nothing, one movement each; the variants changed.

    ``locked``: the variants as the caller already locked them (:func:`lock_variants`)
    in this transaction, e.g. checkout. Raises NotFound for an unknown variant,
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
    ids = {change.variant_id for change in changes}
    with transaction.atomic(savepoint=False):
        if locked is None or not ids <= locked.keys():
            locked = lock_variants(ids)
        problem = _refusal(changes, locked, ceiling)
        if problem is None:
            return _write(changes, locked, reason, user=user, order=order, note=note)
    raise problem


def _refusal(changes: list[StockChange], locked: Mapping[int, Variant], ceiling):
    """Why these changes cannot all be applied to the locked rows (None: they can)."""
    stock = {pk: variant.stock for pk, variant in locked.items()}
    for change in changes:
        variant = locked.get(change.variant_id)
        if variant is None:
            return NotFound(f"Variant {change.variant_id} does not exist.")
        name = variant_name(variant.product.name, variant.options)
        ids = {"variant_id": variant.pk, "product_id": variant.product_id}
        new_stock = stock[variant.pk] + change.delta
        if new_stock < 0:
            short = stock_availability(name, stock[variant.pk], -change.delta)
            return InsufficientStock(short.message, available=short.available, **ids)
        if ceiling is not None and change.delta > 0 and new_stock > ceiling:
            return ShopError(
                f"Stock cannot go above {ceiling} ({name} has {stock[variant.pk]}).",
                code="invalid_stock",
                **ids,
            )
        stock[variant.pk] = new_stock
    return None


def _write(changes, locked, reason, *, user, order, note) -> dict[int, Variant]:
    now = timezone.now()
    movements, was = [], {}
    for change in changes:
        variant = locked[change.variant_id]
        was.setdefault(variant.pk, variant.stock)
        variant.stock, variant.updated_at = variant.stock + change.delta, now
        movements.append(
            StockMovement(
                variant=variant,
                delta=change.delta,
                stock_after=variant.stock,
                reason=reason,
                note=note[:255],
                user=user if getattr(user, "is_authenticated", False) else None,
                order=order,
                created_at=now,
            )
        )
    changed = {change.variant_id: locked[change.variant_id] for change in changes}
    # One UPDATE whatever the number of rows, as bulk_update would write it, without
    # bulk_update's per-row expressions for every field (most of its cost).
    Variant.objects.filter(pk__in=list(changed)).update(
        stock=Case(
            *[When(pk=pk, then=Value(v.stock)) for pk, v in changed.items()],
            output_field=IntegerField(),
        ),
        updated_at=now,
    )
    StockMovement.objects.bulk_create(movements)
    catalog_changed()  # update() sends no model signal
    restock_queue(pk for pk, v in changed.items() if was[pk] == 0 < v.stock)
    return changed


def _variant_id(variant: Variant | int) -> int:
    return variant.pk if isinstance(variant, Variant) else int(variant)


def stock_adjust(
    *, variant: Variant | int, delta: int, reason: str, user=None, order=None, note=""
) -> Variant:
    """Change one variant's stock by ``delta`` (kept within 0..MAX_STOCK) and record
    it; the variant after."""
    variant_id = _variant_id(variant)
    changed = stock_apply(
        changes=[StockChange(variant_id, delta)],
        reason=reason,
        user=user,
        order=order,
        note=note,
        ceiling=MAX_STOCK,
    )
    return changed.get(variant_id) or Variant.objects.select_related("product").get(
        pk=variant_id
    )


@transaction.atomic
def stock_edit(
    *, variant: Variant | int, shown: int, wanted: int, reason: str, user=None, note=""
) -> Variant:
    """An editor changed the stock they were shown from ``shown`` to ``wanted``: that
    change is applied to the stock as it is now, under the row lock (sales made while the
    form was open stay sold), kept within 0..MAX_STOCK."""
    variant_id = _variant_id(variant)
    current = lock_variants([variant_id]).get(variant_id)
    if current is None:
        raise NotFound(f"Variant {variant_id} does not exist.")
    change = wanted - shown
    target = max(current.stock + change, 0)
    if change > 0:  # an increase stops at the cap (and never lowers a stock above it)
        target = min(target, max(MAX_STOCK, current.stock))
    changed = stock_apply(
        changes=[StockChange(variant_id, target - current.stock)],
        reason=reason,
        user=user,
        note=note,
        locked={variant_id: current},
        ceiling=MAX_STOCK,
    )
    return changed.get(variant_id, current)
