"""The write of a planned import: one transaction, rows locked in the checkout's order,
stock set through catalog.stock with reason ``import``."""

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Product, ProductOption, StockMovement
from catalog.services import product_create, product_update
from catalog.stock import StockChange, lock_variants, stock_apply
from catalog.variants import variant_create, variant_update

from .plan import NEW, NOTE, UPDATE, ImportFailed, ImportReport, RowPlan


@transaction.atomic
def import_write(report: ImportReport, user) -> None:
    plans = [p for p in report.rows if p.action in {NEW, UPDATE}]
    lock_variants(p.variant.pk for p in plans if p.variant is not None)
    list(
        Product.objects.select_for_update()
        .filter(pk__in=sorted({p.key[1] for p in plans if p.key[0] == "product"}))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    targets: dict[int, int] = {}
    groups: dict[tuple, list[RowPlan]] = {}
    for plan in report.rows:
        if plan.key:
            groups.setdefault(plan.key, []).append(plan)
    for key, group in groups.items():
        todo = [p for p in group if p.action in {NEW, UPDATE}]
        if not todo:
            continue
        first = group[0]
        try:
            if key[0] == "new":
                targets.update(_write_new_product(first, todo, user))
            else:
                targets.update(_write_product(key[1], first, todo, user))
        except ValidationError as error:
            raise ImportFailed(
                f"Row {first.number}: {' '.join(error.messages)}"
            ) from error
    stock = {pk: v.stock for pk, v in lock_variants(targets).items()}
    stock_apply(
        changes=[StockChange(pk, want - stock[pk]) for pk, want in targets.items()],
        reason=StockMovement.Reason.IMPORT,
        user=user,
        note=NOTE,
    )


def _options(first: RowPlan) -> list[dict]:
    return [{"name": n, "values": v} for n, v in first.clean["option_values"].items()]


def _write_new_product(first: RowPlan, todo: list[RowPlan], user) -> dict[int, int]:
    product = product_create(
        seller=user,
        name=first.clean["name"],
        category=first.clean["category"],
        description=first.clean["description"],
        options=_options(first),
        variants=[
            {
                "sku": p.clean["sku"],
                "options": p.options,
                "price": p.clean["price"],
                "stock": 0,
                "weight_grams": p.clean["weight_grams"],
            }
            for p in todo
        ],  # fmt: skip
        user=user,
    )
    made = {v.sku.upper(): v.pk for v in product.variants.all()}
    return {made[p.clean["sku"].upper()]: p.clean["stock"] for p in todo}


def _write_product(product_id, first, todo, user) -> dict[int, int]:
    product = Product.objects.get(pk=product_id)
    shared = {
        column: first.clean[column]
        for column in ("name", "description", "category")
        if first.clean[column] != getattr(product, column)
    }
    if shared:
        product_update(product=product, user=user, **shared)
    for option in ProductOption.objects.filter(product=product):
        values = first.clean["option_values"].get(option.name, option.values)
        if values != option.values:
            option.values = values
            option.save(update_fields=["values"])
    targets = {}
    for plan in todo:
        if plan.variant is None:
            variant = variant_create(
                product=product,
                price=plan.clean["price"],
                options=plan.options,
                sku=plan.clean["sku"],
                weight_grams=plan.clean["weight_grams"],
                user=user,
            )
        else:
            variant = plan.variant
            fields = {c: plan.clean[c] for c in ("price", "weight_grams")
                      if c in plan.changes}  # fmt: skip
            if fields:
                variant_update(variant=variant, **fields)
        targets[variant.pk] = plan.clean["stock"]
    return targets
