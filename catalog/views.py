"""Storefront catalog pages: the product list (search, category, sort) and a product."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.functional import cached_property

from catalog.forms import CatalogQueryForm
from catalog.models import Category
from catalog.selectors import product_count, product_list, product_search

PAGE_SIZE = 12


class CatalogPaginator(Paginator):
    """Counts as the API does: exact for small results, the planner's estimate for huge
    ones, so a common word searched in a million products does not count them all."""

    @cached_property
    def count(self):
        return product_count(self.object_list)


def catalog(request, slug=None):
    """All active products, or one category's (with its sub-categories)."""
    category = get_object_or_404(Category, slug=slug) if slug else None
    form = CatalogQueryForm(request.GET)
    query, sort = form.cleaned()
    products = product_search(query=query, category=category, ordering=sort)
    # get_page: a page that is not a number or past the end gives a real page, never a 500.
    page = CatalogPaginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    subcategories = list(category.children.all()) if category else []
    return render(
        request,
        "catalog/catalog.html",
        {
            "form": form,
            "page": page,
            "products": page.object_list,
            "current_category": category,
            "subcategories": subcategories,
            "search_query": query,
            "sort": sort,
            "low_stock": settings.SHOP_LOW_STOCK_THRESHOLD,
        },
    )


def product_detail(request, slug):
    """One active product with its add-to-cart form."""
    product = get_object_or_404(product_list(), slug=slug)
    return render(
        request,
        "catalog/product.html",
        {
            "product": product,
            "current_category": product.category,
            "low_stock": settings.SHOP_LOW_STOCK_THRESHOLD,
        },
    )
