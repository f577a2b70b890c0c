"""Sign in, sign up and sign out pages (the API has its own JWT endpoints)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from accounts.forms import (
    EmailAuthenticationForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    RegisterForm,
    add_service_errors,
)
from accounts.services import (
    LinkInvalid,
    password_reset_confirm,
    password_reset_request,
    user_register,
    user_verify_email,
)
from accounts.tokens import email_verification_token, user_for_uid
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
                request,
                f"Welcome, {user.get_short_name()}! Your account is ready. We have "
                f"mailed you a link to verify {user.email}.",
            )
            return redirect(safe_next_path(request) or "shop:catalog")
    return render(
        request,
        "accounts/register.html",
        {"form": form, "next": safe_next_path(request)},
    )


# --- Password reset and email verification by mailed links ------------------------


def _link_page_headers(response):
    # The link's token is in this page's address: it must not leak to other sites.
    # ("no-referrer" would also blank the form's Origin, which CSRF checks.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def password_reset(request):
    """Ask for a reset link; the answer is the same whether the email has an account."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        wait = page_throttle_wait(request, "auth")
        if wait is not None:
            return _throttled_page(request, "accounts/password_reset.html", form, wait)
        if form.is_valid():
            password_reset_request(email=form.cleaned_data["email"])
            return redirect("accounts:password-reset-done")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


def password_reset_confirm_page(request, uid: str, token: str):
    """The mailed link: a form for the new password while the link is valid."""
    user = user_for_uid(uid)
    valid = user is not None and default_token_generator.check_token(user, token)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and valid:
        wait = page_throttle_wait(request, "auth")
        if wait is not None:
            return _link_page_headers(
                _throttled_page(
                    request, "accounts/password_reset_confirm.html", form, wait
                )
            )
        if form.is_valid():
            try:
                password_reset_confirm(
                    uid=uid, token=token, password=form.cleaned_data["password"]
                )
            except LinkInvalid:
                valid = False
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("accounts:password-reset-complete")
    context = {"form": form, "valid": valid}
    status = 200 if valid else 400
    return _link_page_headers(
        render(request, "accounts/password_reset_confirm.html", context, status=status)
    )


def password_reset_complete(request):
    return render(request, "accounts/password_reset_complete.html")


def verify_email_page(request, uid: str, token: str):
    """The mailed link. GET only shows a Verify button (a mail scanner that follows
    links must not use the link up); the POST verifies."""
    user = user_for_uid(uid)
    valid = user is not None and email_verification_token.check_token(user, token)
    if request.method == "POST" and valid:
        try:
            user = user_verify_email(uid=uid, token=token)
        except LinkInvalid:
            valid = False
        else:
            messages.success(request, "Thank you: your email address is verified.")
            if request.user.is_authenticated:
                return redirect("shop:account")
            return redirect("accounts:login")
    already = user is not None and user.email_verified
    context = {"valid": valid, "already_verified": already, "link_user": user}
    status = 200 if valid or already else 400
    return _link_page_headers(
        render(request, "accounts/verify_email.html", context, status=status)
    )
