"""Storefront pages of back in stock: the product page's form posts here, and the
mail's unsubscribe link opens a confirm page (GET shows the button, POST unsubscribes)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from catalog.forms import NotifyMeForm
from catalog.models import Product
from catalog.restock import (
    back_in_stock_request,
    back_in_stock_subscribe,
    back_in_stock_unsubscribe,
)
from catalog.views import product_detail
from shop.exceptions import ShopError
from shop.redirects import safe_next_path


@require_POST
def notify_me(request, slug):
    """Leave an email on the product's chosen sold-out variant; errors show on the
    product page as the form's."""
    product = get_object_or_404(Product.objects.active(), slug=slug)
    form = NotifyMeForm(request.POST)
    if form.is_valid():
        variant_id = form.cleaned_data["variant_id"]
        if not product.variants.filter(pk=variant_id).exists():
            raise Http404
        try:
            _, created = back_in_stock_subscribe(
                variant_id=variant_id, email=form.cleaned_data["email"]
            )
        except ShopError as error:
            form.add_error(
                "email" if error.code == "invalid_email" else None, error.detail
            )
        else:
            messages.success(
                request,
                "We will mail you once when it is back in stock."
                if created
                else "You are already on the list for this one.",
            )
            return redirect(
                safe_next_path(request, query=False) or product.get_absolute_url()
            )
    return product_detail(request, slug, notify_form=form, status=400)


def unsubscribe(request, token):
    """GET: a button to stop waiting; POST: stop waiting."""
    waiting = back_in_stock_request(token=token)
    if waiting is None:
        raise Http404
    done = request.method == "POST" and back_in_stock_unsubscribe(token=token)
    return render(
        request,
        "catalog/back_in_stock_unsubscribe.html",
        {
            "waiting": waiting,
            "done": done or request.method == "POST",
            "notified": waiting.notified_at is not None,
        },
    )
