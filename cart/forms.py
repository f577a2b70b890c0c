from django import forms
from django.conf import settings


class _QuantityForm(forms.Form):
    """Parses a quantity; the cart's rules (stock, limits) are the services' to enforce."""

    min_quantity = 1

    quantity = forms.IntegerField(
        label="Quantity",
        error_messages={
            "required": "Enter a quantity.",
            "invalid": "Enter a whole number for the quantity.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        low, high = self.min_quantity, settings.CART_MAX_LINE_QUANTITY
        field = self.fields["quantity"]
        # One clear message for both ends instead of Django's two.
        field.validators = [_bounds(low, high)]
        field.widget.attrs.update(min=low, max=high, inputmode="numeric")


def _bounds(low: int, high: int):
    def validate(value):
        if value < low or value > high:
            raise forms.ValidationError(
                f"Choose a quantity from {low} to {high}.", code="quantity_range"
            )

    return validate


class AddToCartForm(_QuantityForm):
    """A variant, or a one-variant product (the catalog's quick add)."""

    variant_id = forms.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": "Choose a product."},
    )
    product_id = forms.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": "Choose a product."},
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (
            cleaned.get("variant_id") or cleaned.get("product_id")
        ):
            raise forms.ValidationError("Choose a product.")
        return cleaned


class UpdateQuantityForm(_QuantityForm):
    """A line's new quantity; 0 removes the line."""

    min_quantity = 0


class CouponForm(forms.Form):
    code = forms.CharField(
        label="Coupon code",
        max_length=40,
        strip=True,
        error_messages={"required": "Enter a coupon code."},
    )
