"""The order page's refund and cancel actions: forms that call the services."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from orders.models import Order, Refund
from orders.refunds import refunded_so_far
from orders.status import order_cancel
from shop.exceptions import ShopError


class RefundForm(forms.Form):
    """One quantity per item (at most what is left to refund), shipping, restock."""

    shipping = forms.BooleanField(required=False, label="Refund the shipping")
    restock = forms.BooleanField(required=False, label="Put the units back in stock")
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        done = refunded_so_far(order)
        self.items = list(order.items.all())
        for item in self.items:
            left = item.quantity - done.units.get(item.pk, 0)
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=f"{item.name} ({left} of {item.quantity} left)",
                min_value=0,
                max_value=left,
                initial=0,
                required=False,
            )

    def lines(self) -> list[tuple[int, int]]:
        return [
            (item.pk, self.cleaned_data.get(f"item_{item.pk}") or 0)
            for item in self.items
            if self.cleaned_data.get(f"item_{item.pk}")
        ]


def _order(model_admin, request, object_id) -> Order:
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    return get_object_or_404(Order, pk=object_id)


def refund_view(model_admin, request, object_id):
    """Refund lines and/or shipping of one order (orders.refunds.refund_create)."""
    from orders.refunds import refund_create

    order = _order(model_admin, request, object_id)
    # An empty POST is still a submission (an empty QueryDict is falsy).
    data = request.POST if request.method == "POST" else None
    form = RefundForm(data, order=order)
    if request.method == "POST" and form.is_valid():
        try:
            refund = refund_create(
                order=order,
                lines=form.lines(),
                shipping=form.cleaned_data["shipping"],
                restock=form.cleaned_data["restock"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ShopError as exc:
            form.add_error(None, exc.detail)
        else:
            refund = Refund.objects.get(pk=refund.pk)
            model_admin.message_user(
                request,
                f"Refunded {refund.amount} {order.currency} ({refund.status}).",
                messages.SUCCESS,
            )
            return redirect("admin:orders_order_change", order.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": order,
        "title": f"Refund order {order.number}",
        "form": form,
        "action": "refund",
    }
    return TemplateResponse(request, "admin/orders/order/action.html", context)


def cancel_view(model_admin, request, object_id):
    """Cancel one order as staff (orders.status.order_cancel): stock back, refund."""
    order = _order(model_admin, request, object_id)
    form = forms.Form()
    if request.method == "POST":
        try:
            order_cancel(order=order, user=request.user, staff=True)
        except ShopError as exc:
            model_admin.message_user(request, exc.detail, messages.ERROR)
        else:
            model_admin.message_user(
                request, f"Order {order.number} cancelled.", messages.SUCCESS
            )
        return redirect("admin:orders_order_change", order.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": order,
        "title": f"Cancel order {order.number}",
        "form": form,
        "action": "cancel",
        "to_refund": order.total - order.refunded_total
        if order.status != Order.Status.PENDING
        else None,
    }
    return TemplateResponse(request, "admin/orders/order/action.html", context)
