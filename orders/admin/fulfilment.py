"""The order page's fulfil and mark-paid actions, and the orders' CSV export: forms that
call the services (orders.status, orders.exports)."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from orders.exports import orders_csv
from orders.models import Order
from orders.payments import get_gateway
from orders.payments.testgateway import TestGateway
from orders.status import order_fulfil, order_pay
from shop.exceptions import ShopError


class FulfilForm(forms.Form):
    carrier = forms.CharField(required=False, max_length=100)
    tracking_number = forms.CharField(required=False, max_length=100)


class ExportForm(forms.Form):
    first = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise forms.ValidationError("The first day comes after the last one.")
        return data


def takes_manual_payments() -> bool:
    """Marking an order paid by hand is for the test gateway only: with a real
    provider, money is confirmed by the provider."""
    return isinstance(get_gateway(), TestGateway)


def _context(model_admin, request, order, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": order,
        **extra,
    }


def _order(model_admin, request, object_id) -> Order:
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    return get_object_or_404(Order, pk=object_id)


def fulfil_view(model_admin, request, object_id):
    """Paid → fulfilled, with the carrier and tracking number the buyer is mailed."""
    order = _order(model_admin, request, object_id)
    form = FulfilForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            order_fulfil(order=order, **form.cleaned_data)
        except ShopError as exc:
            form.add_error(None, exc.detail)
        else:
            model_admin.message_user(
                request, f"Order {order.number} fulfilled.", messages.SUCCESS
            )
            return redirect("admin:orders_order_change", order.pk)
    context = _context(
        model_admin,
        request,
        order,
        title=f"Fulfil order {order.number}",
        form=form,
        action="fulfil",
    )
    return TemplateResponse(request, "admin/orders/order/action.html", context)


def mark_paid_view(model_admin, request, object_id):
    """A pending order paid outside the shop (cash, bank transfer) on the test gateway."""
    order = _order(model_admin, request, object_id)
    if not takes_manual_payments():
        raise PermissionDenied("Payments are confirmed by the payment provider.")
    form = forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            order_pay(order=order, payment_token=TestGateway.SUCCESS)
        except ShopError as exc:
            model_admin.message_user(request, exc.detail, messages.ERROR)
        else:
            model_admin.message_user(
                request, f"Order {order.number} marked paid.", messages.SUCCESS
            )
        return redirect("admin:orders_order_change", order.pk)
    context = _context(
        model_admin,
        request,
        order,
        title=f"Mark order {order.number} paid",
        form=form,
        action="mark_paid",
    )
    return TemplateResponse(request, "admin/orders/order/action.html", context)


def export_view(model_admin, request):
    """The orders placed in a date range, as CSV, streamed."""
    if not model_admin.has_change_permission(request):  # staff: every order's money
        raise PermissionDenied
    today = timezone.now().date()
    data = request.GET if "first" in request.GET else None
    form = ExportForm(
        data, initial={"first": today - timedelta(days=30), "last": today}
    )
    if data is not None and form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        response = StreamingHttpResponse(
            orders_csv(first=first, last=last), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="orders-{first}-to-{last}.csv"'
        )
        return response
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Export orders as CSV",
        "form": form,
    }
    return TemplateResponse(request, "admin/orders/order/export.html", context)
