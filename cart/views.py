"""The cart page and its actions; every change goes through cart.services.

Each action is a POST that redirects (post/redirect/get); errors of the form or of the
service come back as messages on the page the shopper was on, never as a 500. When the
cart store (Redis) is down, the pages answer with the shop's 503 page.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cart import selectors, services
from cart.forms import AddToCartForm, CouponForm, UpdateQuantityForm
from catalog.models import variant_name
from shop.exceptions import OUTAGE_ERRORS, ShopError
from shop.redirects import safe_next_path


def outage_page(view):
    """Render the friendly 503 page when the cart store or the database is unreachable."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except OUTAGE_ERRORS:
            return TemplateResponse(request, "503.html", status=503).render()

    return wrapper


def _back(request, default="shop:cart"):
    """Where to return after an action: a safe ``next`` from the form, else ``default``."""
    return redirect(safe_next_path(request, query=False) or default)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _shop_error(request, exc: ShopError) -> None:
    messages.error(request, exc.detail)


def page_items(cart: dict) -> list[dict]:
    """The items of a cart's JSON (``CartSummary.as_dict``) with what a page shows
    beside them: the variant's picture and its label ("Tee — M / Red")."""
    pictures = selectors.line_pictures(item["variant_id"] for item in cart["items"])
    for item in cart["items"]:
        item["picture"] = pictures.get(item["variant_id"])
        item["label"] = variant_name(item["name"], item["options"])
        # As pairs: a template reading options.items would find an option named "items".
        item["option_pairs"] = list(item["options"].items())
        # The product page with this variant chosen (its picker reads ?Size=M&...).
        query = f"?{urlencode(item['options'])}" if item["options"] else ""
        item["url"] = f"{reverse('shop:product', args=[item['slug']])}{query}"
    return cart["items"]


@require_GET
@outage_page
def cart_detail(request):
    """The cart: lines with images, quantities, coupon, totals and any warnings."""
    summary = selectors.cart_read(cart=request.cart)
    cart = summary.as_dict()
    # Reconciliation happened just now (reported once): tell the shopper what changed.
    for warning in cart["warnings"]:
        messages.warning(request, warning["message"])
    for item in page_items(cart):
        item["form"] = UpdateQuantityForm(
            initial={"quantity": item["quantity"]}, prefix=f"line{item['variant_id']}"
        )
    return render(
        request,
        "cart/cart.html",
        {
            "summary": cart,
            "coupon_form": CouponForm(),
            "can_checkout": summary.can_checkout,
            "max_quantity": settings.CART_MAX_LINE_QUANTITY,
        },
    )


@require_POST
@outage_page
def cart_add(request):
    """Add a variant, or a one-variant product (the quantity adds to what is there)."""
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, "shop:catalog")
    quantity = form.cleaned_data["quantity"]
    try:
        added = services.cart_add_item(
            cart=request.cart,
            variant_id=form.cleaned_data["variant_id"],
            product_id=form.cleaned_data["product_id"],
            quantity=quantity,
        )
    except ShopError as exc:
        if exc.code == "variant_required":  # the API's wording names a field
            messages.error(request, "Choose the options you want first.")
        else:
            _shop_error(request, exc)
        return _back(request, "shop:catalog")
    messages.success(request, f"Added {quantity} × {added.variant.name} to your cart.")
    return redirect("shop:cart")


@require_POST
@outage_page
def cart_update(request, variant_id):
    """Set a line's quantity; 0 removes it."""
    form = UpdateQuantityForm(request.POST, prefix=f"line{variant_id}")
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("shop:cart")
    quantity = form.cleaned_data["quantity"]
    try:
        services.cart_set_item(
            cart=request.cart, variant_id=variant_id, quantity=quantity
        )
    except ShopError as exc:
        _shop_error(request, exc)
    else:
        messages.success(
            request,
            "Quantity updated." if quantity else "The item was removed from your cart.",
        )
    return redirect("shop:cart")


@require_POST
@outage_page
def cart_remove(request, variant_id):
    """Take a line out of the cart."""
    try:
        services.cart_remove_item(cart=request.cart, variant_id=variant_id)
    except ShopError as exc:
        _shop_error(request, exc)
    else:
        messages.success(request, "The item was removed from your cart.")
    return redirect("shop:cart")


@require_POST
@outage_page
def cart_coupon(request):
    """Apply a coupon code (one per cart); the reason comes back when it is refused."""
    form = CouponForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("shop:cart")
    try:
        code = services.cart_apply_coupon(
            cart=request.cart, code=form.cleaned_data["code"]
        )
    except ShopError as exc:
        _shop_error(request, exc)
    else:
        messages.success(request, f"Coupon {code} applied.")
    return redirect("shop:cart")


@require_POST
@outage_page
def cart_coupon_remove(request):
    services.cart_remove_coupon(cart=request.cart)
    messages.info(request, "The coupon was removed.")
    return redirect("shop:cart")
