"""The stock list (every variant, its stock, the low-stock filter and a quick edit of
price, stock and state) and the stock ledger, read-only."""

import re

from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from catalog.alerts import low_stock
from catalog.models import StockMovement, Variant

from .forms import VariantForm, VariantQuickForm
from .saving import is_id, lock_for_edit, save_variant
from .sellers import SellerScopedAdmin, SellerScopedInline, scope_to_seller

# The id field of each row the list's quick edit (list_editable) sends.
_EDITED_ROW_ID = re.compile(r"form-\d+-id")


class LowStockFilter(admin.SimpleListFilter):
    """Out of stock, or low: at or under the variant's own threshold (else the shop's
    SHOP_LOW_STOCK_THRESHOLD), as the daily digest counts it."""

    title = "stock level"
    parameter_name = "stock_level"

    def lookups(self, request, model_admin):
        return [("out", "Out of stock"), ("low", "Low (at or under its threshold)")]

    def queryset(self, request, queryset):
        if self.value() == "out":
            return queryset.filter(stock=0)
        if self.value() == "low":
            return low_stock(queryset)
        return queryset


class StockMovementInline(SellerScopedInline, admin.TabularInline):
    """The variant's stock ledger, read-only: movements are written by the stock service."""

    model = StockMovement
    fk_name = "variant"
    extra = 0
    fields = ["created_at", "delta", "stock_after", "reason", "note", "user", "order"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    show_change_link = False
    seller_can = frozenset({"view"})

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "order")


@admin.register(Variant)
class VariantAdmin(SellerScopedAdmin, admin.ModelAdmin):
    """The stock list: every variant (a seller: theirs), its stock, the low-stock
    filter."""

    seller_lookup = "product__seller"

    form = VariantForm
    list_display = ["sku", "product_link", "option_values", "price", "stock",
                    "is_active"]  # fmt: skip
    list_display_links = ["sku"]
    list_editable = ["price", "stock", "is_active"]
    list_filter = [LowStockFilter, "is_active", "product__category"]
    list_select_related = ["product"]
    search_fields = ["sku", "product__name"]
    raw_id_fields = ["product"]
    inlines = [StockMovementInline]
    list_per_page = 100
    fields = ["product", "sku", "options", "price", "stock", "weight_grams",
              "low_stock_threshold", "image", "is_active"]  # fmt: skip

    @admin.display(description="product", ordering="product__name")
    def product_link(self, variant):
        url = reverse("admin:catalog_product_change", args=[variant.product_id])
        return format_html('<a href="{}">{}</a>', url, variant.product.name)

    @admin.display(description="options")
    def option_values(self, variant):
        return " / ".join(map(str, variant.options.values())) or "—"

    def get_readonly_fields(self, request, obj=None):
        return ["product"] if obj is not None else []

    def get_changelist_form(self, request, **kwargs):
        return VariantQuickForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "image":  # the variant's product's images
            variant_id = request.resolver_match.kwargs.get("object_id")
            product_id = (
                Variant.objects.filter(pk=variant_id).values("product_id")
                if is_id(variant_id)
                else []
            )
            kwargs["queryset"] = db_field.related_model.objects.filter(
                product_id__in=product_id
            )
        if db_field.name == "product":  # a seller adds variants to their own only
            kwargs["queryset"] = scope_to_seller(
                request, db_field.related_model.objects.all(), "seller"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        # The quick edit saves its rows one by one in the order the list sent them, in
        # one transaction; a checkout locks its variants in key order. The rows sent
        # are locked first, in key order (then their products), so the two never
        # deadlock.
        if (
            request.method == "POST"
            and "_save" in request.POST
            and self.has_change_permission(request)
        ):
            pks = [
                int(value)
                for name, value in request.POST.items()
                if _EDITED_ROW_ID.fullmatch(name) and is_id(value)
            ]
            with transaction.atomic():
                lock_for_edit(pks)
                return super().changelist_view(request, extra_context)
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or not is_id(object_id):
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic():
            lock_for_edit([int(object_id)])
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            save_variant(request, obj, form)

    def has_delete_permission(self, request, obj=None):
        return False  # archived instead (is_active), so order history keeps its variant


@admin.register(StockMovement)
class StockMovementAdmin(SellerScopedAdmin, admin.ModelAdmin):
    """The whole stock ledger (a seller: their variants'), read-only."""

    seller_lookup = "variant__product__seller"
    seller_can = frozenset({"view"})

    list_display = ["created_at", "variant", "delta", "stock_after", "reason", "user",
                    "order"]  # fmt: skip
    list_filter = ["reason", "created_at"]
    list_select_related = ["variant__product", "user", "order"]
    search_fields = ["variant__sku", "variant__product__name", "note"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in StockMovement._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
