"""Sign in, sign up and sign out pages (the API has its own JWT endpoints)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from accounts.forms import EmailAuthenticationForm, RegisterForm
from accounts.services import user_register
from shop.redirects import safe_next_path


class ShopLoginView(LoginView):
    """Django's login with an email field; the cart's user_logged_in receiver merges the
    visitor's cart into the account's and says so."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class ShopLogoutView(LogoutView):
    """POST only (Django's rule): a link or a prefetch can never sign anyone out."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out. See you soon!")
        return response


def register(request):
    """Create an account through user_register, then sign the new user in."""
    if request.user.is_authenticated:
        return redirect("shop:catalog")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            # The service answers with a field map: each message lands on its field.
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, f"Welcome, {user.get_short_name()}! Your account is ready."
            )
            return redirect(safe_next_path(request) or "shop:catalog")
    return render(
        request,
        "accounts/register.html",
        {"form": form, "next": safe_next_path(request)},
    )
