"""The checkout page of a shop that ships by method, without JavaScript: the country
(of a new or a saved address) decides the methods offered; "Update shipping options"
re-renders them priced for the cart with the new totals; "Place order" calls
order_place once per rendered form. The totals shown are priced as checkout prices them.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from accounts.addresses import addresses_of
from accounts.forms import AddressForm
from cart.selectors import cart_read
from cart.views import page_items
from orders.checkout import order_place
from orders.forms import NEW_ADDRESS, ShippingCheckoutForm, new_checkout_token
from orders.shipping import clean_country, shipping_preview
from shop.exceptions import (
    CheckoutConflict,
    NotFound,
    ShippingMethodRequired,
    ShippingUnavailable,
    ShopError,
)

#: The submit button that only re-prices (the country step).
UPDATE = "update"
ADDRESS_PREFIX = "address"


def _country(value) -> str:
    try:
        return clean_country(value)
    except ValidationError:
        return ""


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _summary(preview, cart) -> dict:
    """The cart's JSON for the page; with a country, its totals as the order's."""
    if preview is None:
        return cart_read(cart=cart).as_dict()
    summary, totals = preview.summary.as_dict(), preview.totals
    summary.update(
        subtotal=str(totals.subtotal),
        discount=str(totals.discount),
        tax=str(totals.tax),
        total=str(totals.total),
        shipping=str(totals.shipping),
        shipping_method=preview.chosen.method.name if preview.chosen else "",
    )
    return summary


def shipping_checkout(request):
    """The checkout page when the shop has active shipping methods."""
    from orders import views as pages  # its helpers for guests' orders and problems

    user = request.user if request.user.is_authenticated else None
    addresses = list(addresses_of(user=user)) if user else []
    saved = {str(address.pk): address for address in addresses}
    data = request.POST if request.method == "POST" else None
    if data is None:
        picked = addresses[0] if addresses else None
        country = _country(request.GET.get("country", ""))
        method_id = None
        initial = {"email": user.email if user else "", "token": new_checkout_token()}
        if picked:
            initial["saved_address"] = str(picked.pk)
        address_initial = {"name": user.get_full_name() if user else "",
                           "country": country}  # fmt: skip
    else:
        picked = saved.get(data.get("saved_address", ""))
        method_id = _int(data.get("shipping_method"))
        initial = {name: data.get(name) for name in
                   ("email", "token", "saved_address", "save_address")}  # fmt: skip
        address_initial = {
            name[len(ADDRESS_PREFIX) + 1 :]: value
            for name, value in data.items()
            if name.startswith(f"{ADDRESS_PREFIX}-")
        }
        country = _country(address_initial.get("country", ""))
    if picked is not None:
        country = picked.country.code
    preview = (
        shipping_preview(cart=request.cart, country=country, method_id=method_id)
        if country
        else None
    )
    quotes = preview.quotes if preview else []
    if preview and preview.chosen:
        initial["shipping_method"] = preview.chosen.method.pk

    form = address_form = None
    if data is not None and UPDATE not in data:
        form = ShippingCheckoutForm(
            data,
            addresses=addresses,
            quotes=quotes,
            currency=settings.SHOP_CURRENCY,
            signed_in=user is not None,
        )
        address_form = AddressForm(data, prefix=ADDRESS_PREFIX)
        valid = form.is_valid()
        if form.new_address:
            valid = address_form.is_valid() and valid
        if valid:
            try:
                placed = _place(request, form, address_form, user=user)
            except CheckoutConflict as exc:
                pages._checkout_problems(request, exc)
                return redirect("shop:cart")
            except (ShippingUnavailable, ShippingMethodRequired) as exc:
                form.add_error("shipping_method", exc.detail)
            except NotFound as exc:
                form.add_error("saved_address" if addresses else None, exc.detail)
            except ValidationError as exc:
                address_form.add_error(None, exc)
            except ShopError as exc:
                messages.error(request, exc.detail)
                return redirect("shop:cart")
            else:
                order = placed.order
                if user is None:
                    pages._remember_guest_order(request, order)
                if placed.created:
                    messages.success(
                        request, f"Thank you! Order {order.number} is placed."
                    )
                return redirect(order)

    summary = _summary(preview, request.cart)
    page_items(summary)
    for warning in summary["warnings"]:  # reported once: show them where they surface
        messages.warning(request, warning["message"])
    if data is None and not any(
        item["status"] != "out_of_stock" for item in summary["items"]
    ):
        messages.info(request, "Your cart is empty: add something before checking out.")
        return redirect("shop:cart")
    if form is None:  # the first rendering, or the country step
        form = ShippingCheckoutForm(
            initial=initial,
            addresses=addresses,
            quotes=quotes,
            currency=settings.SHOP_CURRENCY,
            signed_in=user is not None,
        )
        address_form = AddressForm(initial=address_initial, prefix=ADDRESS_PREFIX)
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "address_form": address_form,
            "ships": True,
            "country": country,
            "quotes": quotes,
            "summary": summary,
            "new_address": form.new_address,
            "new_address_value": NEW_ADDRESS,
            "payment_timeout": settings.SHOP_ORDER_PAYMENT_TIMEOUT,
        },
    )


def _place(request, form, address_form, *, user):
    data = form.cleaned_data
    where = {"shipping_method": data.get("shipping_method")}
    if form.new_address:
        where["shipping_address"] = dict(address_form.cleaned_data)
        where["save_address"] = bool(data.get("save_address"))
    else:
        where["address_id"] = int(data["saved_address"])
    return order_place(
        cart=request.cart,
        user=request.user,
        email=data["email"] if user is None or data.get("email") else user.email,
        idempotency_key=data["token"],
        **where,
    )
