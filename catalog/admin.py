"""Admin for staff. Stock edited here goes through the stock service and leaves a movement."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductOption,
    StockMovement,
    Variant,
)
from catalog.services import category_check_parent
from catalog.stock import MAX_STOCK, lock_variants, stock_edit
from catalog.variants import product_reprice, signature_of, variant_archive
from shop.exceptions import ShopError


class VariantForm(forms.ModelForm):
    """A variant's row: the database's bounds as form errors (never a 500), and a stock
    field saved through the stock service as a movement."""

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
        help_text="Saved through the stock service as a movement; your change applies "
        "to the stock as it is when you save (sales made meanwhile stay sold).",
    )

    class Meta:
        model = Variant
        fields = [
            "sku",
            "options",
            "price",
            "stock",
            "weight_grams",
            "image",
            "is_active",
        ]

    def shown_stock(self) -> int:
        """The stock this form showed when it was opened (the stock now if it did not say)."""
        raw = self.data.get(self.add_initial_prefix("stock"))
        try:
            return int(raw)
        except (TypeError, ValueError):
            return self.instance.stock if self.instance.pk else 0

    def clean(self):
        cleaned = super().clean()
        product = getattr(self.instance, "product", None) or self.cleaned_data.get(
            "product"
        )
        if product is not None and product.pk and "options" in cleaned:
            try:
                values, signature = signature_of(
                    [(o.name, list(o.values)) for o in product.options.all()],
                    cleaned["options"] or {},
                )
            except ValidationError as exc:
                raise forms.ValidationError({"options": exc.messages}) from None
            cleaned["options"] = values
            self.instance.signature = signature
        return cleaned


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantForm
    extra = 0
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "image":
            product_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = ProductImage.objects.filter(product_id=product_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProductOptionInline(admin.TabularInline):
    model = ProductOption
    extra = 0
    max_num = 3
    fields = ["position", "name", "values"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["image", "alt", "position"]


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
    """The variant's stock ledger, read-only: movements are written by the stock service."""

    model = StockMovement
    fk_name = "variant"
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


def _save_variant(request, variant: Variant, form: VariantForm) -> None:
    """A variant's row saved with its stock through the stock service, and its product's
    price kept as the lowest of its variants'."""
    wanted = form.cleaned_data.get("stock")
    created = variant.pk is None
    if created:
        variant.stock = 0
        variant.save()
    else:
        fields = [f.name for f in variant._meta.concrete_fields
                  if not f.primary_key and f.name not in {"stock", "created_at"}]  # fmt: skip
        variant.save(update_fields=fields)
    if wanted is not None and (created or "stock" in form.changed_data):
        stock_edit(
            variant=variant,
            shown=0 if created else form.shown_stock(),
            wanted=wanted,
            reason=StockMovement.Reason.INITIAL
            if created
            else StockMovement.Reason.ADMIN,
            user=request.user,
            note="Edited in the admin",
        )
    product_reprice(product=variant.product)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "price", "is_active", "seller", "category"]
    list_filter = ["category", "is_active", "seller"]
    list_select_related = ["seller", "category"]
    search_fields = ["name", "slug", "description", "variants__sku"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category"]
    raw_id_fields = ["seller"]
    readonly_fields = ["price", "created_at", "updated_at"]
    fields = ["seller", "category", "name", "slug", "description", "is_active", "price",
              "created_at", "updated_at"]  # fmt: skip
    inlines = [ProductOptionInline, VariantInline, ProductImageInline]
    list_per_page = 50

    def save_model(self, request, obj, form, change):
        if not change:
            obj.price = Decimal("0.01")  # until its variants are saved
        obj.save()

    def save_formset(self, request, form, formset, change):
        if formset.model is not Variant:
            return super().save_formset(request, form, formset, change)
        with transaction.atomic():
            # Locked in key order first, as a checkout locks them: the two never deadlock.
            ids = [f.instance.pk for f in formset.forms if f.instance.pk]
            lock_variants(ids)
            for variant in formset.save(commit=False):
                variant_form = next(f for f in formset.forms if f.instance is variant)
                _save_variant(request, variant, variant_form)
            for variant in formset.deleted_objects:
                variant_archive(variant=variant)


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    """The stock list: every variant, its stock, and the low-stock filter."""

    form = VariantForm
    list_display = ["sku", "__str__", "price", "stock", "is_active"]
    list_filter = [LowStockFilter, "is_active", "product__category"]
    list_select_related = ["product"]
    search_fields = ["sku", "product__name"]
    raw_id_fields = ["product"]
    inlines = [StockMovementInline]
    fields = [
        "product",
        "sku",
        "options",
        "price",
        "stock",
        "weight_grams",
        "image",
        "is_active",
    ]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            _save_variant(request, obj, form)

    def has_delete_permission(self, request, obj=None):
        return False  # archived instead (is_active), so order history keeps its variant


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
        "variant",
        "delta",
        "stock_after",
        "reason",
        "user",
        "order",
    ]
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
