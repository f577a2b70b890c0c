import secrets

from django import forms

from orders.models import Order

SHIPPING_NAME_MAX = Order._meta.get_field("shipping_name").max_length
SHIPPING_ADDRESS_MAX = 1000


def new_checkout_token() -> str:
    """A one-time token for one rendering of the checkout form (its idempotency key)."""
    return secrets.token_urlsafe(24)


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="We send the order confirmation here.",
    )
    shipping_name = forms.CharField(
        label="Full name",
        max_length=SHIPPING_NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    shipping_address = forms.CharField(
        label="Shipping address",
        max_length=SHIPPING_ADDRESS_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "street-address"}),
        help_text="Street, city, postcode and country.",
    )
    # Generated when the form is rendered: a double click or a resubmission of the same
    # form sends the same token, and order_place returns the order it already made.
    token = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{16,64}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form has expired; please submit it again.",
            "invalid": "This form has expired; please submit it again.",
        },
    )


class PayForm(forms.Form):
    payment_token = forms.CharField(
        label="Card",
        max_length=100,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "tok_success"}
        ),
        help_text="Test mode: enter tok_success to pay, tok_decline to see a declined card.",
        error_messages={"required": "Enter your card."},
    )
