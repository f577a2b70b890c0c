"""Sign in, sign up and sign out pages (the API has its own JWT endpoints)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from accounts.forms import EmailAuthenticationForm, RegisterForm
from accounts.services import user_register
from shop.redirects import safe_next_path
from shop.throttling import page_throttle_wait


def _throttled_page(request, template: str, form, wait: int):
    """The page again, unsent, with the wait as a message: 429, as the API answers."""
    messages.error(
        request,
        f"Too many attempts from your address. Please try again in {wait} seconds.",
    )
    context = {"form": form, "next": safe_next_path(request)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


class ShopLoginView(LoginView):
    """Django's login with an email field; the cart's user_logged_in receiver merges the
    visitor's cart into the account's and says so."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # The API's sign-in budget ("auth" scope), checked before any password is.
        wait = page_throttle_wait(request, "auth")
        if wait is not None:
            return _throttled_page(
                request, self.template_name, self.authentication_form(request), wait
            )
        return super().post(request, *args, **kwargs)


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
    if request.method == "POST":
        wait = page_throttle_wait(request, "auth")
        if wait is not None:
            return _throttled_page(
                request, "accounts/register.html", RegisterForm(), wait
            )
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
