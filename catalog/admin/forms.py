"""The admin's forms: the catalog's rules (catalog.variants, catalog.images) as form
errors, so that bad input is never a 500."""

from decimal import Decimal
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from catalog.images import image_check
from catalog.models import (
    MAX_OPTIONS,
    Category,
    Product,
    ProductImage,
    ProductOption,
    Variant,
)
from catalog.services import category_check_parent
from catalog.stock import MAX_STOCK
from catalog.variants import options_clean, signature_of
from shop.exceptions import ShopError

Options = list[tuple[str, list[str]]]


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return exc.messages


def stored_options(product: Product | None) -> Options:
    """The product's options as saved, in order (none for a product not saved yet)."""
    if product is None or product.pk is None:
        return []
    return [(o.name, list(o.values)) for o in product.options.order_by("position")]


def price_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), **kwargs
    )


def stock_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(min_value=0, max_value=MAX_STOCK, initial=0, **kwargs)


# --- the product --------------------------------------------------------------------


class ProductAdminForm(forms.ModelForm):
    """A product's shared fields; on the add page also the price and stock of the
    variants made with it (one per combination of its options, or one)."""

    # Not "price"/"stock": the product's own price is derived, its stock a sum.
    variant_price = price_field(
        label="Price",
        required=False,
        help_text="The price of each variant made with the product: one per "
        "combination of the options below, or one when it has none.",
    )
    variant_stock = stock_field(
        label="Stock",
        required=False,
        help_text="The stock of each variant made (a movement).",
    )

    class Meta:
        model = Product
        fields = ["seller", "category", "name", "slug", "description", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # its price is its variants', its stock too
            self.fields.pop("variant_price", None)
            self.fields.pop("variant_stock", None)
        elif "variant_price" in self.fields:
            self.fields["variant_price"].required = True


# --- options ------------------------------------------------------------------------


class ProductOptionForm(forms.ModelForm):
    position = forms.IntegerField(
        min_value=0,
        max_value=MAX_OPTIONS - 1,
        required=False,
        help_text="0 first; blank: after the others.",
    )
    values = forms.JSONField(
        widget=forms.TextInput(attrs={"size": 40}),
        help_text='The values in display order, as a JSON list: ["S", "M", "L"].',
    )

    class Meta:
        model = ProductOption
        fields = ["position", "name", "values"]

    def validate_unique(self):
        """Names and positions are the formset's to check (its options are saved
        together, so two may trade places)."""

    def clean_values(self):
        values = self.cleaned_data["values"]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValidationError(
                'Give the values as a JSON list of words, e.g. ["S", "M", "L"].'
            )
        return values

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name") is not None and cleaned.get("values") is not None:
            try:
                [(name, values)] = options_clean(
                    [{"name": cleaned["name"], "values": cleaned["values"]}]
                )
            except ValidationError as exc:
                raise ValidationError(_messages(exc)) from None
            cleaned["name"], cleaned["values"] = name, values
        return cleaned


class ProductOptionFormSet(forms.BaseInlineFormSet):
    """A product's options, checked together: at most three, names distinct. Once the
    product has variants, its options keep their names and order and no value a
    variant names may go (values may be added)."""

    def kept_forms(self) -> list[forms.Form]:
        return [
            form
            for form in self.forms
            if (form.instance.pk or form.has_changed())
            and not self._should_delete_form(form)
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = self.kept_forms()
        if self.instance.pk and self.instance.variants.exists():
            self._check_variants_still_fit(kept)
        ordered = sorted(
            enumerate(kept),
            key=lambda pair: (
                pair[1].cleaned_data.get("position") is None,
                pair[1].cleaned_data.get("position") or 0,
                pair[0],
            ),
        )
        positions = [f.cleaned_data["position"] for _, f in ordered]
        given = [p for p in positions if p is not None]
        if len(set(given)) != len(given):
            raise ValidationError("Two options have the same position.")
        try:
            self.options = options_clean(
                {"name": f.cleaned_data["name"], "values": f.cleaned_data["values"]}
                for _, f in ordered
            )
        except ValidationError as exc:
            raise ValidationError(_messages(exc)) from None

    def _check_variants_still_fit(self, kept) -> None:
        deleted = [
            f for f in self.forms if f.instance.pk and self._should_delete_form(f)
        ]
        added = [f for f in kept if not f.instance.pk]
        if deleted or added:
            raise ValidationError(
                "This product has variants: its options cannot be added or removed "
                "(values can be added to an option)."
            )
        used: dict[str, set] = {}
        for options in self.instance.variants.values_list("options", flat=True):
            for name, value in options.items():
                used.setdefault(name, set()).add(value)
        for form in kept:
            option, data = form.instance, form.cleaned_data
            stored = ProductOption.objects.get(pk=option.pk)
            position = data.get("position")
            if data["name"] != stored.name or (
                position is not None and position != stored.position
            ):
                raise ValidationError(
                    f"This product has variants: the option {stored.name!r} keeps its "
                    "name and position."
                )
            dropped = sorted(used.get(stored.name, set()) - set(data["values"]))
            if dropped:
                raise ValidationError(
                    f"Variants name {', '.join(map(repr, dropped))} of "
                    f"{stored.name!r}: keep those values (archive the variants "
                    "instead)."
                )


ProductOptionInlineFormSet = forms.inlineformset_factory(
    Product,
    ProductOption,
    form=ProductOptionForm,
    formset=ProductOptionFormSet,
    fields=["position", "name", "values"],
    extra=0,
    max_num=MAX_OPTIONS,
    can_delete=True,
)


# --- variants -----------------------------------------------------------------------


class StockShownMixin:
    """A stock field that carries the stock it showed (``show_hidden_initial``): an
    untouched field is no change, and a change applies to the stock as it is at saving
    (sales made meanwhile stay sold), through the stock service."""

    def shown_stock(self) -> int:
        """The stock this form showed when it was opened (the stock now if it did not say)."""
        raw = self.data.get(self.add_initial_prefix("stock"))
        try:
            return int(raw)
        except (TypeError, ValueError):
            return self.instance.stock if self.instance.pk else 0


STOCK_HELP = (
    "Saved through the stock service as a movement; your change applies to the stock "
    "as it is when you save (sales made meanwhile stay sold)."
)


class VariantForm(StockShownMixin, forms.ModelForm):
    """A variant: its options checked against its product's (``product_options``: the
    options being saved with it; None: as stored), its SKU unique in any case."""

    # Narrow inputs: the product page shows every variant as one table row.
    price = price_field(widget=forms.NumberInput(attrs={"class": "vIntegerField"}))
    stock = stock_field(
        show_hidden_initial=True,
        help_text=STOCK_HELP,
        widget=forms.NumberInput(attrs={"class": "vIntegerField"}),
    )
    options = forms.JSONField(
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text='One value of every option, as JSON: {"Size": "M", "Colour": "Red"}.',
    )

    class Meta:
        model = Variant
        fields = ["sku", "options", "price", "stock", "weight_grams", "image",
                  "is_active"]  # fmt: skip
        widgets = {"sku": forms.TextInput(attrs={"class": "vBigIntegerField"})}

    def __init__(self, *args, product_options: Options | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_options = product_options

    def product(self) -> Product | None:
        if self.instance.product_id:
            return self.instance.product
        return self.cleaned_data.get("product")

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        taken = Variant.objects.filter(sku__iexact=sku)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(f"The SKU {sku!r} is already in use.")
        return sku

    def clean(self):
        cleaned = super().clean()
        product = self.product()
        options = self.product_options
        if options is None:
            options = stored_options(product)
        if "options" in cleaned and product is not None:
            try:
                values, signature = signature_of(options, cleaned["options"] or {})
            except ValidationError as exc:
                raise ValidationError({"options": _messages(exc)}) from None
            alike = Variant.objects.filter(product=product, signature=signature)
            if product.pk and alike.exclude(pk=self.instance.pk).exists():
                raise ValidationError(
                    {"options": "The product already has a variant with these options."}
                )
            cleaned["options"] = values
            self.instance.signature = signature
        image = cleaned.get("image")
        if image is not None and product is not None and image.product_id != product.pk:
            raise ValidationError({"image": "The image is not one of this product's."})
        return cleaned


class VariantFormSet(forms.BaseInlineFormSet):
    """The product page's variants, judged against the options saved with them; no two
    alike, no SKU twice."""

    @cached_property
    def product_options(self) -> Options | None:
        if self.is_bound and "options-TOTAL_FORMS" in self.data:
            options = ProductOptionInlineFormSet(
                self.data, self.files, instance=self.instance, prefix="options"
            )
            # Invalid options show their own errors; variants are judged once they are.
            return options.options if options.is_valid() else None
        return stored_options(self.instance)

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "product_options": self.product_options,
        }

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        skus, signatures = set(), set()
        for form in self.forms:
            if not (form.instance.pk or form.has_changed()):
                continue
            sku = (form.cleaned_data.get("sku") or form.instance.sku).casefold()
            if sku in skus:
                raise ValidationError(f"Two variants have the SKU {sku.upper()!r}.")
            if form.instance.signature in signatures:
                raise ValidationError("Two variants have the same options.")
            skus.add(sku)
            signatures.add(form.instance.signature)


class VariantQuickForm(StockShownMixin, forms.ModelForm):
    """A row of the stock list's quick edit."""

    price = price_field(widget=forms.NumberInput(attrs={"class": "vIntegerField"}))
    stock = stock_field(
        show_hidden_initial=True,
        widget=forms.NumberInput(attrs={"class": "vIntegerField"}),
    )

    class Meta:
        model = Variant
        fields = ["price", "stock", "is_active"]


class MatrixForm(forms.Form):
    """The variants of the option matrix that a product does not have yet."""

    price = price_field(help_text="The price of each variant made.")
    stock = stock_field(help_text="The stock of each variant made (a movement).")


# --- images, categories -------------------------------------------------------------


class ProductImageForm(forms.ModelForm):
    """An upload is taken only when it decodes as a JPEG, PNG or WebP of at most 10 MB."""

    class Meta:
        model = ProductImage
        fields = ["image", "alt", "position"]

    def clean_image(self):
        image = self.cleaned_data["image"]
        if isinstance(image, UploadedFile):
            try:
                image_check(image)
            except ValidationError as exc:
                raise ValidationError(_messages(exc)) from None
        return image


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
            raise ValidationError({"parent": exc.detail}) from None
        return cleaned
