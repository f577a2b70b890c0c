from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.addresses import ADDRESS_FIELDS
from accounts.models import Address, User
from accounts.services import NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, with the username field shown as what it is: an email."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Please try again.",
    }


class RegisterForm(forms.Form):
    """Sign-up; the rules (unique email, password validators) live in user_register."""

    name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not too common, not all numbers.",
    )
    password_again = forms.CharField(
        label="Password again",
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(
        label="I want to",
        choices=[(User.Role.CUSTOMER, "Shop"), (User.Role.SELLER, "Shop and sell")],
        initial=User.Role.CUSTOMER,
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password")
            and cleaned.get("password_again")
            and cleaned["password"] != cleaned["password_again"]
        ):
            self.add_error("password_again", "The two passwords do not match.")
        return cleaned


class AddressForm(forms.ModelForm):
    """A postal address (the address book's and the checkout's form); saving goes
    through accounts.addresses, so pass ``cleaned_data`` to address_create."""

    class Meta:
        model = Address
        fields = ADDRESS_FIELDS
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "region": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }
        help_texts = {
            "phone": "Optional; in international form, e.g. +44 20 7946 0958."
        }


class AddressBookForm(AddressForm):
    """An address of the /account/ page's book: the address and whether it is the
    default."""

    is_default = forms.BooleanField(
        label="Make this my default address", required=False
    )


class ProfileForm(forms.Form):
    def __init__(self, *args, **kwargs):
        # Its own ids: the address form on the same page has a "name" field too.
        kwargs.setdefault("auto_id", "profile_%s")
        super().__init__(*args, **kwargs)

    name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    cart_reminders = forms.BooleanField(
        label="Mail me once about a cart I leave with items in it",
        required=False,
    )


def _password(label: str, autocomplete: str = "new-password", **kwargs):
    return forms.CharField(
        label=label,
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        **kwargs,
    )


class NewPasswordForm(forms.Form):
    """A new password typed twice; the validators run in the service."""

    password = _password(
        "New password",
        help_text="At least 8 characters; not too common, not all numbers.",
    )
    password_again = _password("New password again")

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password")
            and cleaned.get("password_again")
            and cleaned["password"] != cleaned["password_again"]
        ):
            self.add_error("password_again", "The two passwords do not match.")
        return cleaned


class PasswordChangeForm(NewPasswordForm):
    current_password = _password("Current password", "current-password")
    field_order = ["current_password", "password", "password_again"]


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


def add_service_errors(form: forms.Form, exc) -> None:
    """A service's ValidationError field map, each message on its field (or the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
