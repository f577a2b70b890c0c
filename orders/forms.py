import secrets

from django import forms

from orders.models import Order
from shop.money import format_money

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


NEW_ADDRESS = "new"


def quote_label(quote, currency: str) -> str:
    """A method as the checkout lists it: "Standard · $4.90 · 3 days"."""
    parts = [quote.method.name, format_money(quote.price, currency)]
    if quote.method.estimated_days is not None:
        days = quote.method.estimated_days
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return " · ".join(parts)


class ShippingCheckoutForm(forms.Form):
    """Checkout when the shop ships by method: email, a saved address or a new one (the
    address book's form, prefixed ``address``), the method, "save this address"."""

    email = CheckoutForm.base_fields["email"]
    token = CheckoutForm.base_fields["token"]
    saved_address = forms.ChoiceField(
        label="Ship to", widget=forms.RadioSelect, required=False
    )
    shipping_method = forms.TypedChoiceField(
        label="Shipping method",
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
    )
    save_address = forms.BooleanField(
        label="Save this address to my address book", required=False
    )

    def __init__(
        self, *args, addresses=(), quotes=(), currency="USD", signed_in=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if not signed_in:  # a guest has no address book
            del self.fields["save_address"]
        self.addresses = list(addresses)
        if self.addresses:
            self.fields["saved_address"].choices = [
                *((str(a.pk), str(a)) for a in self.addresses),
                (NEW_ADDRESS, "A new address"),
            ]
        else:
            del self.fields["saved_address"]
        self.fields["shipping_method"].choices = [
            (q.method.pk, quote_label(q, currency)) for q in quotes
        ]

    @property
    def new_address(self) -> bool:
        """The new-address fields apply (no saved address is picked)."""
        if "saved_address" not in self.fields:
            return True
        value = self.data.get("saved_address") if self.is_bound else None
        value = value or self.initial.get("saved_address")
        return not value or value == NEW_ADDRESS
