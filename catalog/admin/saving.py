"""How the admin writes: rows locked in the checkout's order, stock through the stock
service (a movement each), variants through catalog.variants."""

import itertools
import re
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from catalog.models import Product, StockMovement, Variant
from catalog.stock import lock_variants, stock_edit
from catalog.variants import product_reprice, signature_of, variant_create

from .forms import stored_options

_ID = re.compile(r"[0-9]{1,18}")  # a bigint; "²" is a digit to isdigit(), not to int()


def is_id(value) -> bool:
    """Whether ``value`` (an id from a URL or a form) is a primary key's number."""
    return _ID.fullmatch(str(value)) is not None


def lock_for_edit(variant_ids: Iterable[int], product_ids: Iterable[int] = ()) -> None:
    """Lock the variants in primary-key order, as a checkout does, then their products
    (and ``product_ids``) in key order: an edit and a checkout, or two edits, never
    deadlock (a product's price is written after its variants')."""
    variants = lock_variants(variant_ids)
    products = {v.product_id for v in variants.values()} | set(product_ids)
    list(
        Product.objects.select_for_update()
        .filter(pk__in=sorted(products))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def save_variant(request, variant: Variant, form) -> None:
    """A variant's row saved with its stock through the stock service, and its
    product's price kept as the lowest of its variants'."""
    wanted = form.cleaned_data.get("stock")
    created = variant.pk is None
    if created:
        variant.stock = 0
        variant.save()
    else:
        fields = [f.name for f in variant._meta.concrete_fields
                  if not f.primary_key and f.name not in {"stock", "created_at"}]  # fmt: skip
        variant.save(update_fields=fields)
    if wanted is not None and (created or "stock" in form.changed_data):
        stock_edit(
            variant=variant,
            shown=0 if created else form.shown_stock(),
            wanted=wanted,
            reason=StockMovement.Reason.INITIAL
            if created
            else StockMovement.Reason.ADMIN,
            user=request.user,
            note="Edited in the admin",
        )
    product_reprice(product=variant.product)


def missing_combinations(product: Product) -> list[dict]:
    """The combinations of the product's option values that none of its variants
    (archived ones included) has, in option order; ``[{}]`` for a product without
    options or variants."""
    options = stored_options(product)
    taken = set(product.variants.values_list("signature", flat=True))
    missing = []
    for values in itertools.product(*(values for _, values in options)):
        combination, signature = signature_of(
            options, dict(zip([name for name, _ in options], values, strict=True))
        )
        if signature not in taken:
            missing.append(combination)
    return missing


@transaction.atomic
def variants_of_matrix(
    *, product: Product, price: Decimal, stock: int, user=None
) -> list[Variant]:
    """A variant (generated SKU, ``price``, ``stock`` as a movement) for every
    combination of the product's option values that it does not have yet."""
    return [
        variant_create(
            product=product, price=price, options=values, stock=stock, user=user
        )
        for values in missing_combinations(product)
    ]
