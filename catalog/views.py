"""Storefront catalog pages: the product list (search, category, sort, filters) and a
product (option pickers, gallery)."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode

from catalog.forms import (
    CatalogQueryForm,
    NotifyMeForm,
    chosen_options,
    picked_options,
)
from catalog.models import Category, Product, Variant
from catalog.paginator import EstimatedCountPaginator
from catalog.selectors import (
    in_stock_filter,
    option_facets,
    product_list,
    product_search,
    variant_chosen,
    with_option_values,
)
from shop.money import format_money

PAGE_SIZE = 12


def catalog(request, slug=None):
    """All active products, or one category's (with its sub-categories), searched,
    sorted and filtered by price, stock and option values."""
    category = get_object_or_404(Category, slug=slug) if slug else None
    form = CatalogQueryForm(request.GET)
    asked = form.cleaned()
    products = product_search(query=asked.query, category=category, ordering=asked.sort)
    if asked.min_price is not None:
        products = products.filter(price__gte=asked.min_price)
    if asked.max_price is not None:
        products = products.filter(price__lte=asked.max_price)
    if asked.in_stock:
        products = products.filter(in_stock_filter())
    facets = option_facets(products)
    chosen = chosen_options(facets, request.GET.getlist("option"))
    if chosen:
        products = with_option_values(products, chosen)
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
            "asked": asked,
            "facets": [
                {"name": name, "values": values, "chosen": chosen.get(name)}
                for name, values in facets
            ],
            "filtered": asked.filtered or bool(chosen),
            "page": page,
            "products": page.object_list,
            "current_category": category,
            "subcategories": subcategories,
            "search_query": asked.query,
            "sort": asked.sort,
            "low_stock": settings.SHOP_LOW_STOCK_THRESHOLD,
        },
    )


def product_detail(request, slug, *, notify_form=None, status=200):
    """One active product: a picker per option (a GET form; the page's script follows
    the choice without a reload), the chosen variant's price, stock, image and buy
    form, and the gallery."""
    product = get_object_or_404(product_list().select_related("seller"), slug=slug)
    options = list(product.options.all())
    picked = picked_options(options, request.GET)
    variant = variant_chosen(product, picked)
    # What the pickers show: the variant's values, else what was picked (a
    # combination that does not exist), else each option's first.
    selection = {
        o.name: (variant.options if variant else picked).get(o.name, o.values[0])
        for o in options
        if o.values
    }
    active = [v for v in product.variants.all() if v.is_active]
    images = list(product.images.all())
    main_image = _shown_image(request, images, variant)
    if notify_form is None and variant is not None and variant.stock == 0:
        email = request.user.email if request.user.is_authenticated else ""
        notify_form = NotifyMeForm(initial={"variant_id": variant.pk, "email": email})
    return render(
        request,
        "catalog/product.html",
        {
            "product": product,
            "variant": variant,
            "purchasable": variant is not None and variant.stock > 0,
            "any_purchasable": any(v.stock > 0 for v in active),
            "pickers": _pickers(options, selection, active),
            "selection_query": urlencode(selection),
            "images": images,
            "main_image": main_image,
            "variants_data": _variants_data(product, options, active),
            "current_category": product.category,
            "low_stock": settings.SHOP_LOW_STOCK_THRESHOLD,
            "notify_form": notify_form,
        },
        status=status,
    )


def _state(variant: Variant | None) -> str:
    if variant is None:
        return "missing"
    return "ok" if variant.stock > 0 else "sold_out"


def _pickers(options, selection: dict, active: list[Variant]) -> list[dict]:
    """Per option its values, each with the state of the variant it would choose with
    the other options as selected (ok, sold_out, missing)."""
    by_options = {tuple(sorted(v.options.items())): v for v in active}
    pickers = []
    for number, option in enumerate(options, start=1):
        values = []
        for value in option.values:
            combination = {**selection, option.name: value}
            found = by_options.get(tuple(sorted(combination.items())))
            values.append(
                {
                    "value": value,
                    "selected": selection.get(option.name) == value,
                    "state": _state(found),
                }
            )
        pickers.append(
            {"name": option.name, "id": f"option-{number}", "values": values}
        )
    return pickers


def _shown_image(request, images, variant):
    """The gallery's large picture: the one asked for (?image=), else the variant's,
    else the product's first."""
    by_id = {image.pk: image for image in images}
    asked = request.GET.get("image", "")
    if asked.isascii() and asked.isdigit() and int(asked) in by_id:
        return by_id[int(asked)]
    own = by_id.get(variant.image_id) if variant is not None else None
    return own or next(iter(images), None)


def _variants_data(product: Product, options, active: list[Variant]) -> dict:
    """What the page's script needs to follow a choice (embedded with json_script)."""
    currency = settings.SHOP_CURRENCY
    return {
        "options": [option.name for option in options],
        "from_price": format_money(product.price, currency),
        "low_stock": settings.SHOP_LOW_STOCK_THRESHOLD,
        "variants": [
            {
                "id": v.pk,
                "sku": v.sku,
                "options": v.options,
                "price": format_money(v.price, currency),
                "stock": v.stock,
                "image": v.image_id,
            }
            for v in active
        ],
    }
