from django.contrib import admin, messages
from django.utils.translation import ngettext

from orders.models import Order, OrderItem
from orders.status import order_cancel, order_fulfil
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


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "email", "status", "total", "currency", "created_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["number", "email", "shipping_name"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    inlines = [OrderItemInline]
    actions = ["mark_fulfilled", "cancel_and_restock"]
    readonly_fields = [
        "number", "user", "email", "status", "currency", "subtotal", "discount", "coupon_code",
        "tax", "total", "shipping_name", "shipping_address", "payment_reference", "created_at",
        "updated_at", "paid_at", "fulfilled_at", "cancelled_at",
    ]  # fmt: skip
    exclude = ["access_token"]

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
            lambda order: order_cancel(order=order, user=request.user),
            "cancelled and restocked",
        )
