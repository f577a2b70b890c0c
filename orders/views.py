"""Checkout, the order page with its payment form, and the order history."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cart.selectors import cart_read
from cart.views import outage_page, page_items
from orders.checkout import order_place
from orders.checkout_page import shipping_checkout
from orders.forms import CheckoutForm, PayForm, new_checkout_token
from orders.notifications import ORDER_LINK_TOKEN
from orders.pay_page import payment_context
from orders.payments import get_gateway
from orders.selectors import order_is_customer, order_list_for, order_visible_to
from orders.shipping import shop_ships
from orders.status import order_pay
from shop.exceptions import CheckoutConflict, ShopError

#: Guests see their orders through the order's access token, kept in their session.
GUEST_ORDERS_SESSION_KEY = "guest_orders"
GUEST_ORDERS_KEPT = 20


def _remember_guest_order(request, order) -> None:
    tokens = dict(request.session.get(GUEST_ORDERS_SESSION_KEY, {}))
    tokens[order.number] = order.access_token
    request.session[GUEST_ORDERS_SESSION_KEY] = dict(
        list(tokens.items())[-GUEST_ORDERS_KEPT:]
    )


def _visible_order(request, number: str):
    token = request.session.get(GUEST_ORDERS_SESSION_KEY, {}).get(number)
    order = order_visible_to(number=number, user=request.user, order_token=token)
    if order is None:
        raise Http404("No such order.")
    return order


def _checkout_problems(request, exc: CheckoutConflict) -> None:
    problems = exc.extra.get("problems") or []
    for problem in problems:
        messages.error(request, problem.get("detail") or exc.detail)
    if not problems:
        messages.error(request, exc.detail)
    messages.info(request, "Nothing was ordered and your cart is as you left it.")


@require_http_methods(["GET", "POST"])
@outage_page
def checkout(request):
    """Shipping details and the order summary; Place order calls order_place once per form."""
    if shop_ships():  # an address, a country and a method: its own page
        return shipping_checkout(request)
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                placed = order_place(
                    cart=request.cart,
                    user=request.user,
                    email=data["email"],
                    shipping_name=data["shipping_name"],
                    shipping_address=data["shipping_address"],
                    idempotency_key=data["token"],
                )
            except CheckoutConflict as exc:
                _checkout_problems(request, exc)
                return redirect("shop:cart")
            except ShopError as exc:
                messages.error(request, exc.detail)
                return redirect("shop:cart")
            order = placed.order
            if not request.user.is_authenticated:
                _remember_guest_order(request, order)
            if placed.created:
                messages.success(request, f"Thank you! Order {order.number} is placed.")
            return redirect(order)
    else:
        form = None
    # Read (and so reconciled) only to show the page: on POST the cart goes to order_place
    # exactly as the shopper last saw it, so a shortage is reported, never silently lowered.
    cart = cart_read(cart=request.cart)
    summary = cart.as_dict()
    page_items(summary)
    for warning in summary[
        "warnings"
    ]:  # reported once: show them wherever they surface
        messages.warning(request, warning["message"])
    if form is None:
        if not cart.can_checkout:
            messages.info(
                request, "Your cart is empty: add something before checking out."
            )
            return redirect("shop:cart")
        user = request.user
        form = CheckoutForm(
            initial={
                "email": user.email if user.is_authenticated else "",
                "shipping_name": user.get_full_name() if user.is_authenticated else "",
                "token": new_checkout_token(),
            }
        )
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "summary": summary,
            "payment_timeout": settings.SHOP_ORDER_PAYMENT_TIMEOUT,
        },
    )


@require_GET
def order_detail(request, number):
    """An order's status, items and totals; a Pay form while it is pending."""
    link_token = request.GET.get(ORDER_LINK_TOKEN)
    if link_token is not None:
        # A confirmation mail's link (order_link): a token that opens this order is kept
        # in the session, as for an order placed in it, and the page shown at its plain
        # address, so the token stays out of the history and of any Referer. A token
        # that does not open it changes nothing: whoever may see the order still does.
        order = order_visible_to(number=number, order_token=link_token)
        if order is not None:
            # A new session key: one planted beforehand must not gain the order.
            request.session.cycle_key()
            _remember_guest_order(request, order)
        return redirect(_visible_order(request, number))
    order = _visible_order(request, number)
    return render(
        request,
        "orders/order.html",
        {
            "order": order,
            "items": list(order.items.all()),
            "pay_form": PayForm(),
            **payment_context(request, order),
        },
    )


@require_POST
def order_pay_view(request, number):
    """Pay with the configured gateway; a decline leaves the order pending and says so."""
    order = _visible_order(request, number)
    token = request.session.get(GUEST_ORDERS_SESSION_KEY, {}).get(number)
    # The API's rule: staff may see an order, only its customer pays it.
    if not order_is_customer(order=order, user=request.user, order_token=token):
        messages.error(request, "Only the customer can pay an order.")
        return redirect(order)
    if not get_gateway().pays_at_once:  # Stripe: the intent, then its card form
        try:
            order_pay(order=order)
        except ShopError as exc:
            messages.error(request, f"Payment failed: {exc.detail}")
        return redirect(order)
    form = PayForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("payment_token", []):
            messages.error(request, error)
        return redirect(order)
    was_paid = order.status == order.Status.PAID
    try:
        order = order_pay(order=order, payment_token=form.cleaned_data["payment_token"])
    except ShopError as exc:
        messages.error(
            request, f"Payment failed: {exc.detail} Your order is still waiting."
        )
    else:
        if not was_paid:
            messages.success(request, "Payment received. Thank you for your order!")
    return redirect(order)


@login_required
@require_GET
def order_list(request):
    """The signed-in customer's orders, newest first."""
    orders = order_list_for(user=request.user).filter(user=request.user)
    page = Paginator(orders, 20).get_page(request.GET.get("page"))
    return render(
        request, "orders/order_list.html", {"page": page, "orders": page.object_list}
    )
