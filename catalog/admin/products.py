"""The product page: its options, variants and images; the variants of the option
matrix made by a button on the page or an action on the list."""

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from sorl.thumbnail import get_thumbnail

from catalog.images import product_image_add, product_image_delete
from catalog.models import Product, ProductImage, ProductOption, Variant
from catalog.variants import options_set

from .forms import (
    MatrixForm,
    ProductAdminForm,
    ProductImageForm,
    ProductOptionForm,
    ProductOptionFormSet,
    VariantForm,
    VariantFormSet,
)
from .imports import ProductImportExportMixin
from .saving import (
    is_id,
    lock_for_edit,
    missing_combinations,
    save_variant,
    variants_of_matrix,
)
from .sellers import SellerScopedAdmin, SellerScopedInline, is_seller_request


class ProductOptionInline(SellerScopedInline, admin.TabularInline):
    model = ProductOption
    form = ProductOptionForm
    formset = ProductOptionFormSet
    extra = 0
    max_num = 3
    fields = ["position", "name", "values"]
    verbose_name = "option"


class VariantInline(SellerScopedInline, admin.TabularInline):
    """Every variant of the product, archived ones included (untick "is active" to take
    one off sale: order history keeps it)."""

    model = Variant
    form = VariantForm
    formset = VariantFormSet
    extra = 0
    can_delete = False
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "image":
            product_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = ProductImage.objects.filter(
                product_id=product_id if is_id(product_id) else None
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProductImageInline(SellerScopedInline, admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 0
    fields = ["preview", "image", "alt", "position"]
    readonly_fields = ["preview"]

    @admin.display(description="picture")
    def preview(self, image):
        if not image.pk:
            return "—"
        try:
            thumb = get_thumbnail(image.image, "80x80", crop="center")
        except Exception:  # noqa: BLE001 - a missing file shows no preview, not a 500
            return "—"
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="">',
            thumb.url,
            thumb.width,
            thumb.height,
        )


@admin.action(description="Create the missing variants of their options")
def create_missing_variants(modeladmin, request, queryset):
    """Every combination of each product's options it has no variant for, at its price."""
    made = 0
    with transaction.atomic():
        for product in queryset.order_by("pk"):
            made += len(
                variants_of_matrix(
                    product=product, price=product.price, stock=0, user=request.user
                )
            )
    messages.success(request, f"Created {made} variant{'s' if made != 1 else ''}.")


@admin.register(Product)
class ProductAdmin(SellerScopedAdmin, ProductImportExportMixin, admin.ModelAdmin):
    """Staff: every product. A seller: their own (the seller field is theirs)."""

    form = ProductAdminForm
    change_form_template = "admin/catalog/product/change_form.html"
    list_display = ["name", "price", "stock", "variant_count", "is_active", "seller",
                    "category"]  # fmt: skip
    list_filter = ["category", "is_active", "seller"]
    list_select_related = ["seller", "category"]
    search_fields = ["name", "slug", "description", "variants__sku"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category"]
    raw_id_fields = ["seller"]
    readonly_fields = ["price", "created_at", "updated_at"]
    actions = [create_missing_variants]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("variants")

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return (
            [f for f in shown if f != "seller"] if is_seller_request(request) else shown
        )

    def get_list_filter(self, request):
        shown = super().get_list_filter(request)
        return (
            [f for f in shown if f != "seller"] if is_seller_request(request) else shown
        )

    def get_autocomplete_fields(self, request):
        # A seller cannot use the categories' admin (its autocomplete): a plain select.
        return (
            []
            if is_seller_request(request)
            else super().get_autocomplete_fields(request)
        )

    def get_fields(self, request, obj=None):
        shared = ["seller", "category", "name", "slug", "description", "is_active"]
        if is_seller_request(request):
            shared.remove("seller")
        if obj is None:
            return [*shared, "variant_price", "variant_stock"]
        return [*shared, "price", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_inlines(self, request, obj):
        # A new product's variants are made from its options when it is saved.
        if obj is None:
            return [ProductOptionInline, ProductImageInline]
        return [ProductOptionInline, VariantInline, ProductImageInline]

    @admin.display(description="variants")
    def variant_count(self, product):
        return len(product.variants.all())

    @admin.display(description="stock")
    def stock(self, product):
        return product.stock

    # --- saving -------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or not is_id(object_id):
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic():
            ids = Variant.objects.filter(product_id=object_id).values_list(
                "pk", flat=True
            )
            lock_for_edit(ids, [int(object_id)])
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            fields = [f.name for f in obj._meta.concrete_fields
                      if not f.primary_key and f.name not in {"price", "created_at"}]  # fmt: skip
            obj.save(update_fields=fields)
        else:
            if is_seller_request(request):
                obj.seller = request.user
            obj.price = Decimal("0.01")  # its variants' once they are saved
            obj.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            variants_of_matrix(
                product=form.instance,
                price=form.cleaned_data["variant_price"],
                stock=form.cleaned_data.get("variant_stock") or 0,
                user=request.user,
            )

    def save_formset(self, request, form, formset, change):
        product = form.instance
        formset.save(commit=False)  # what changed, for the history; written below
        if formset.model is ProductOption:
            if formset.has_changed():  # saved together: two may swap
                options_set(product=product, options=_named(formset.options))
        elif formset.model is Variant:
            lock_for_edit([v.pk for v in product.variants.all()])
            changed = [variant for variant, _ in formset.changed_objects]
            for variant in [*formset.new_objects, *changed]:
                variant_form = next(f for f in formset.forms if f.instance is variant)
                save_variant(request, variant, variant_form)
        else:
            _save_images(product, formset)

    # --- the option matrix --------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.matrix_view)
        return [
            path(
                "<path:object_id>/variants/matrix/",
                view,
                name="catalog_product_matrix",
            ),
            *super().get_urls(),
        ]

    def matrix_view(self, request, object_id):
        """The combinations of the options the product has no variant for, made at
        the price and stock given."""
        product = self.get_object(request, object_id)
        if product is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, product):
            raise PermissionDenied
        change_url = reverse("admin:catalog_product_change", args=[product.pk])
        missing = missing_combinations(product) if product.options.exists() else []
        form = MatrixForm(
            request.POST if request.method == "POST" else None,
            initial={"price": product.price, "stock": 0},
        )
        if request.method == "POST" and missing and form.is_valid():
            made = variants_of_matrix(
                product=product,
                price=form.cleaned_data["price"],
                stock=form.cleaned_data["stock"],
                user=request.user,
            )
            messages.success(
                request,
                f"Created {len(made)} variant{'s' if len(made) != 1 else ''} of "
                f"{product.name}.",
            )
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Create the variants of {product.name}",
            "opts": self.opts,
            "original": product,
            "form": form,
            "missing": [" / ".join(values.values()) for values in missing],
            "change_url": change_url,
        }
        return TemplateResponse(
            request, "admin/catalog/product/variant_matrix.html", context
        )


def _named(options) -> list[dict]:
    return [{"name": name, "values": values} for name, values in options]


def _save_images(product: Product, formset) -> None:
    """New uploads through the image service (named after the product, placed after its
    other images unless a position is given); removals through it too."""
    for image in formset.deleted_objects:
        product_image_delete(product=product, image_id=image.pk)
    for image, _ in formset.changed_objects:
        image.save()
    added = []
    for image in formset.new_objects:
        form = next(f for f in formset.forms if f.instance is image)
        made = product_image_add(
            product=product, image=form.cleaned_data["image"], alt=image.alt
        )
        if "position" in form.changed_data:
            made.position = image.position
            made.save(update_fields=["position"])
        added.append(made)
    formset.new_objects = added
