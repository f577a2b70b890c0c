"""The storefront menu's categories, on every page that shows the menu."""

from django.utils.functional import SimpleLazyObject

from catalog.selectors import category_tree


def catalog(request):
    """``nav_categories``: lazy, so one query, and only on pages that render the menu."""
    return {"nav_categories": SimpleLazyObject(category_tree)}
