"""Admin for staff. Stock edited here goes through the stock service and leaves a movement."""

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import transaction

from catalog.models import Category, Product, StockMovement
from catalog.services import category_check_parent
from catalog.stock import MAX_STOCK, lock_products, stock_adjust, stock_edit
from shop.exceptions import ShopError

# The id field of each row the product list's quick edit (list_editable) sends.
_EDITED_ROW_ID = re.compile(r"form-\d+-id")
_ROW_ID = re.compile(r"[0-9]{1,18}")  # a bigint (anything else: the form's own error)


class ProductAdminForm(forms.ModelForm):
    """Bounds of the database checks as form errors, so a bad value never becomes a 500."""

    price = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    stock = forms.IntegerField(
        min_value=0,
        max_value=MAX_STOCK,
        initial=0,
        # The form carries the stock it showed: an untouched field is not a change,
        # and a change applies to the stock as it is at saving (sales meanwhile count).
        show_hidden_initial=True,
        help_text="Saved through the stock service: every change is kept as a movement. "
        "Your change applies to the stock as it is when you save (sales made "
        "meanwhile stay sold).",
    )

    def shown_stock(self) -> int | None:
        """The stock this form showed when it was opened (None if it did not say)."""
        raw = self.data.get(self.add_initial_prefix("stock"))
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    class Meta:
        model = Product
        fields = [
            "seller",
            "category",
            "name",
            "slug",
            "description",
            "price",
            "stock",
            "is_active",
            "image",
        ]


class LowStockFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "stock_level"

    def lookups(self, request, model_admin):
        threshold = settings.SHOP_LOW_STOCK_THRESHOLD
        return [("out", "Out of stock"), ("low", f"Low (1 to {threshold})")]

    def queryset(self, request, queryset):
        if self.value() == "out":
            return queryset.filter(stock=0)
        if self.value() == "low":
            return queryset.filter(
                stock__gt=0, stock__lte=settings.SHOP_LOW_STOCK_THRESHOLD
            )
        return queryset


class StockMovementInline(admin.TabularInline):
    """The product's stock ledger, read-only: movements are written by the stock service."""

    model = StockMovement
    fk_name = "product"
    extra = 0
    fields = ["created_at", "delta", "stock_after", "reason", "note", "user", "order"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "order")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = ["name", "price", "stock", "is_active", "seller", "category"]
    list_editable = ["price", "is_active"]
    list_filter = ["category", "is_active", "seller", LowStockFilter]
    list_select_related = ["seller", "category"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category"]
    raw_id_fields = ["seller"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [StockMovementInline]
    list_per_page = 50

    def changelist_view(self, request, extra_context=None):
        # The quick edit saves its rows one by one in the order the list shows them, in
        # one transaction; a checkout locks its products in key order. The rows sent are
        # locked first, in key order, so that the two never deadlock.
        if (
            request.method == "POST"
            and "_save" in request.POST
            and self.has_change_permission(request)
        ):
            pks = [
                int(value)
                for name, value in request.POST.items()
                if _EDITED_ROW_ID.fullmatch(name) and _ROW_ID.fullmatch(value)
            ]
            with transaction.atomic():
                lock_products(pks)
                return super().changelist_view(request, extra_context)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        # The stock column is written only by the stock service, as a movement.
        wanted = form.cleaned_data.get("stock") if "stock" in form.fields else None
        if not change:
            obj.stock = 0
            obj.save()
            if wanted:
                stock_adjust(
                    product=obj,
                    delta=wanted,
                    reason=StockMovement.Reason.INITIAL,
                    user=request.user,
                    note="Created in the admin",
                )
        else:
            fields = [
                f.name
                for f in obj._meta.concrete_fields
                if not f.primary_key and f.name not in {"stock", "created_at"}
            ]
            obj.save(update_fields=fields)
            if wanted is not None and "stock" in form.changed_data:
                shown = form.shown_stock()
                if shown is None:  # a form that did not carry it: set the level
                    shown = Product.objects.values_list("stock", flat=True).get(
                        pk=obj.pk
                    )
                stock_edit(
                    product=obj,
                    shown=shown,
                    wanted=wanted,
                    reason=StockMovement.Reason.ADMIN,
                    user=request.user,
                    note="Edited in the admin",
                )
        obj.refresh_from_db(fields=["stock", "updated_at"])


class CategoryAdminForm(forms.ModelForm):
    """The API's rule for a category's parent (catalog.services), as a form error."""

    class Meta:
        model = Category
        fields = ["name", "slug", "parent"]

    def clean(self):
        cleaned = super().clean()
        try:
            category_check_parent(self.instance, cleaned.get("parent"))
        except ShopError as exc:
            raise forms.ValidationError({"parent": exc.detail}) from None
        return cleaned


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["name", "slug", "parent"]
    list_select_related = ["parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The whole stock ledger, read-only."""

    list_display = [
        "created_at",
        "product",
        "delta",
        "stock_after",
        "reason",
        "user",
        "order",
    ]
    list_filter = ["reason", "created_at"]
    list_select_related = ["product", "user", "order"]
    search_fields = ["product__name", "product__slug", "note"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in StockMovement._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
