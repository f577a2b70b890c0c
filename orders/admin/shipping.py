"""Shipping zones (with their countries), methods (bands as "up_to: price" lines) and tax
rates in the admin; the forms check with orders.shipping's rules and save through its
services, as the staff API does."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django_countries import countries

from orders.models import ShippingMethod, ShippingZone, TaxRate
from orders.shipping import (
    clean_method,
    clean_rate,
    clean_zone_countries,
    method_save,
    tax_rate_save,
    zone_save,
)


class ShippingZoneForm(forms.ModelForm):
    countries = forms.MultipleChoiceField(
        choices=list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text="A country belongs to one zone at most. Hold Ctrl (⌘) to pick several.",
    )

    class Meta:
        model = ShippingZone
        fields = ["name", "countries"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["countries"] = [
                row.country.code for row in self.instance.countries.all()
            ]

    def clean_countries(self):
        try:
            return clean_zone_countries(
                self.cleaned_data["countries"], zone=self.instance
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["countries"]) from None


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    form = ShippingZoneForm
    list_display = ["name", "country_list", "method_count"]
    search_fields = ["name", "countries__country"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries", "methods")

    @admin.display(description="countries")
    def country_list(self, zone):
        return ", ".join(row.country.code for row in zone.countries.all()) or "—"

    @admin.display(description="methods")
    def method_count(self, zone):
        return len(zone.methods.all())

    def save_model(self, request, obj, form, change):
        zone_save(zone=obj, name=obj.name, countries=form.cleaned_data["countries"])


class BandsField(forms.CharField):
    """Bands as lines of "up_to: price" (grams for weight bands, an amount for price
    bands), in and out."""

    widget = forms.Textarea(attrs={"rows": 5, "cols": 30})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{band['up_to']}: {band['price']}" for band in value)
        return value

    def to_python(self, value):
        bands = []
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            up_to, sep, price = line.partition(":")
            if not sep:
                raise ValidationError(
                    f"Line {number}: write it as up_to: price, e.g. 500: 4.90."
                )
            bands.append({"up_to": up_to.strip(), "price": price.strip()})
        return bands


class ShippingMethodForm(forms.ModelForm):
    bands = BandsField(
        required=False,
        help_text=(
            "One band per line, 'up_to: price', ascending. By weight: grams "
            "(500: 4.90); by order value: an amount (50.00: 3.00). Empty for flat."
        ),
    )

    class Meta:
        model = ShippingMethod
        fields = ["zone", "name", "kind", "price", "bands", "free_over",
                  "estimated_days", "is_active", "position"]  # fmt: skip

    def clean(self):
        data = super().clean()
        if "kind" not in data:
            return data
        try:
            data.update(
                clean_method(
                    kind=data["kind"],
                    price=data.get("price"),
                    bands=data.get("bands") or [],
                    free_over=data.get("free_over"),
                )
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    form = ShippingMethodForm
    list_display = ["name", "zone", "kind", "price", "free_over", "estimated_days",
                    "is_active", "position"]  # fmt: skip
    list_filter = ["zone", "kind", "is_active"]
    list_select_related = ["zone"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in form.Meta.fields}
        method_save(method=obj, **data)


class TaxRateForm(forms.ModelForm):
    class Meta:
        model = TaxRate
        fields = ["country", "rate"]

    def clean_rate(self):
        try:
            return clean_rate(self.cleaned_data["rate"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["rate"]) from None


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    form = TaxRateForm
    list_display = ["country", "rate"]

    def save_model(self, request, obj, form, change):
        tax_rate_save(
            tax_rate=obj, country=obj.country.code, rate=form.cleaned_data["rate"]
        )
