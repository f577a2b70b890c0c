from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import User
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
