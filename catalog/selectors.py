"""Reads of the catalog shared by the API, the pages, the cart and checkout."""

from django.db.models import QuerySet

from catalog.models import Category, Product


def category_parents() -> dict[int, int | None]:
    """Every category's parent id, in one query (the tree is small)."""
    return dict(Category.objects.values_list("id", "parent_id"))


def category_lineage_map() -> dict[int, frozenset[int]]:
    """For each category id: itself and all its ancestors (what a coupon's scope matches)."""
    parents = category_parents()
    lineage: dict[int, frozenset[int]] = {}
    for category_id in parents:
        seen: list[int] = []
        current: int | None = category_id
        while current is not None and current not in seen:  # guards against a cycle
            seen.append(current)
            current = parents.get(current)
        lineage[category_id] = frozenset(seen)
    return lineage


def category_descendant_ids(category: Category) -> set[int]:
    """A category and all categories below it (what the ``category`` filter shows)."""
    children: dict[int | None, list[int]] = {}
    for category_id, parent_id in category_parents().items():
        children.setdefault(parent_id, []).append(category_id)
    found, stack = set(), [category.pk]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def product_list(*, include_inactive: bool = False) -> QuerySet[Product]:
    """Products with what their cards and serializers show, in a fixed number of queries."""
    products = Product.objects.select_related("category", "seller")
    return products if include_inactive else products.filter(is_active=True)
