from django.contrib import admin, messages
from django.urls import path
from django.utils.translation import ngettext

from catalog.admin.sellers import is_seller_request
from orders.admin.fulfilment import (
    export_view,
    fulfil_view,
    mark_paid_view,
    takes_manual_payments,
)
from orders.admin.refunds import cancel_view, refund_view
from orders.models import Order, OrderItem, Payment, Refund
from orders.status import order_cancel, order_fulfil
from orders.timeline import order_timeline
from shop.exceptions import ShopError


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    fields = ["product", "variant", "product_name", "sku", "options", "unit_price",
              "quantity", "line_total"]  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_seller_request(request) or super().has_view_permission(request, obj)

    def get_queryset(self, request):
        items = super().get_queryset(request)
        if is_seller_request(request):  # a seller sees their own lines only
            return items.filter(product__seller=request.user)
        return items


class RefundInline(admin.TabularInline):
    """The order's refunds, read-only: refunds are made with the Refund button."""

    model = Refund
    fields = ["created_at", "amount", "shipping_amount", "lines_summary", "restocked",
              "reason", "status", "reference", "created_by"]  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Lines")
    def lines_summary(self, refund: Refund) -> str:
        return ", ".join(
            f"{line.quantity} × {line.item.name} ({line.amount})"
            for line in refund.lines.select_related("item")
        )


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "email", "status", "total", "currency", "created_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["number", "email", "shipping_name"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    inlines = [OrderItemInline, RefundInline]
    change_form_template = "admin/orders/order/change_form.html"
    change_list_template = "admin/orders/order/change_list.html"
    actions = ["mark_fulfilled", "cancel_and_restock"]
    readonly_fields = [
        "number", "user", "email", "status", "currency", "subtotal", "discount", "coupon_code",
        "tax", "total", "shipping_name", "shipping_address", "payment_summary", "refunded_total",
        "tracking_number", "carrier", "created_at", "updated_at", "paid_at", "fulfilled_at",
        "cancelled_at",
    ]  # fmt: skip
    exclude = ["access_token", "payment_reference"]

    #: What a seller sees of an order that holds their items: where it goes, not its
    #: money (their lines show their part).
    SELLER_FIELDS = ["number", "status", "created_at", "paid_at", "fulfilled_at",
                     "shipping_name", "shipping_address"]  # fmt: skip

    # Sellers: read-only, the orders holding their items (catalog.admin.sellers).
    def get_queryset(self, request):
        orders = super().get_queryset(request)
        if is_seller_request(request):
            theirs = OrderItem.objects.filter(product__seller=request.user)
            return orders.filter(pk__in=theirs.values("order_id"))
        return orders

    def has_module_permission(self, request):
        return is_seller_request(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_seller_request(request) or super().has_view_permission(request, obj)

    def get_list_display(self, request):
        if is_seller_request(request):
            return ["number", "status", "created_at"]
        return super().get_list_display(request)

    def get_list_filter(self, request):
        return (
            ["status"]
            if is_seller_request(request)
            else super().get_list_filter(request)
        )

    def get_fields(self, request, obj=None):
        if is_seller_request(request):
            return self.SELLER_FIELDS
        return super().get_fields(request, obj)

    def get_inlines(self, request, obj):
        if is_seller_request(request):
            return [OrderItemInline]
        return super().get_inlines(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Every field, also those added later: orders change only through services.
        named = list(self.readonly_fields)
        return named + [
            field.name
            for field in Order._meta.concrete_fields
            if field.editable
            and field.name not in named
            and field.name not in self.exclude
            and not field.primary_key
        ]

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(
                lambda request, object_id: fn(self, request, object_id)
            )

        return [
            path(
                "<int:object_id>/refund/", view(refund_view), name="orders_order_refund"
            ),
            path(
                "<int:object_id>/cancel/", view(cancel_view), name="orders_order_cancel"
            ),
            path(
                "<int:object_id>/fulfil/", view(fulfil_view), name="orders_order_fulfil"
            ),
            path(
                "<int:object_id>/mark-paid/",
                view(mark_paid_view),
                name="orders_order_mark_paid",
            ),
            path(
                "export/",
                self.admin_site.admin_view(lambda request: export_view(self, request)),
                name="orders_order_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        staff = not is_seller_request(request)
        extra_context = {
            **(extra_context or {}),
            "staff_actions": staff,
            "manual_payments": staff and takes_manual_payments(),
            "timeline": order_timeline(order=order) if order and staff else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Payment")
    def payment_summary(self, order: Order) -> str:
        payment = Payment.objects.filter(order=order).first()
        if payment is None:
            return order.payment_reference or "-"
        return f"{payment.provider} {payment.reference or '-'}: {payment.get_status_display()}"

    # Orders change only through their services (status machine, stock, refunds).
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Every field is read-only: "Save" must not write the row back unlocked over a
        # payment or cancellation that committed meanwhile.
        pass

    def _apply(self, request, queryset, service, verb: str) -> None:
        done = 0
        for order in queryset:
            try:
                service(order)
            except ShopError as exc:
                self.message_user(
                    request, f"{order.number}: {exc.detail}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d order %(verb)s.", "%(n)d orders %(verb)s.", done)
                % {"n": done, "verb": verb},
                messages.SUCCESS,
            )

    @admin.action(description="Mark selected orders fulfilled", permissions=["change"])
    def mark_fulfilled(self, request, queryset):
        self._apply(
            request, queryset, lambda order: order_fulfil(order=order), "fulfilled"
        )

    @admin.action(
        description="Cancel selected orders and restock", permissions=["change"]
    )
    def cancel_and_restock(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda order: order_cancel(order=order, user=request.user, staff=True),
            "cancelled and restocked",
        )
