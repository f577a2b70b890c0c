"""Storefront catalog pages: the product list (search, category, sort) and a product."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render

from catalog.forms import CatalogQueryForm
from catalog.models import Category
from catalog.paginator import EstimatedCountPaginator
from catalog.selectors import product_list, product_search, variant_chosen

PAGE_SIZE = 12


def catalog(request, slug=None):
    """All active products, or one category's (with its sub-categories)."""
    category = get_object_or_404(Category, slug=slug) if slug else None
    form = CatalogQueryForm(request.GET)
    query, sort = form.cleaned()
    products = product_search(query=query, category=category, ordering=sort)
    # Counted as the API counts (a common word searched in a million products is not
    # counted row by row); a page that is no number or past the end shows the first.
    page = EstimatedCountPaginator(products, PAGE_SIZE).get_page(
        request.GET.get("page")
    )
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
    product = get_object_or_404(product_list().select_related("seller"), slug=slug)
    return render(
        request,
        "catalog/product.html",
        {
            "product": product,
            "variant": variant_chosen(product, request.GET),
            "chosen": {k: v for k, v in request.GET.items() if isinstance(v, str)},
            "current_category": product.category,
            "low_stock": settings.SHOP_LOW_STOCK_THRESHOLD,
        },
    )
