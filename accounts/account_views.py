"""The ``/account/`` page (``shop:account``): profile, password, email verification and
the address book, all plain POST forms (no JavaScript). Each action calls one service
and comes back to the page; a form with errors is shown on the page again."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.addresses import (
    ADDRESS_FIELDS,
    address_create,
    address_delete,
    address_for_user,
    address_set_default,
    address_update,
    addresses_of,
)
from accounts.forms import (
    AddressBookForm,
    PasswordChangeForm,
    ProfileForm,
    add_service_errors,
)
from accounts.services import (
    email_verification_resend,
    user_change_password,
    user_update_profile,
)
from shop.exceptions import NotFound
from shop.throttling import page_throttle_wait


def _page(request, status: int = 200, **forms):
    user = request.user
    context = {
        "profile_form": forms.get("profile_form")
        or ProfileForm(
            initial={"name": user.name, "cart_reminders": user.cart_reminders}
        ),
        "password_form": forms.get("password_form") or PasswordChangeForm(),
        "address_form": forms.get("address_form") or AddressBookForm(),
        "addresses": list(addresses_of(user=user)),
    }
    return render(request, "accounts/account.html", context, status=status)


def _address(request, address_id: int):
    try:
        return address_for_user(user=request.user, address_id=address_id)
    except NotFound:
        raise Http404("No such address.") from None


@login_required
def account(request):
    return _page(request)


@login_required
@require_POST
def profile(request):
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            user_update_profile(
                user=request.user,
                name=form.cleaned_data["name"],
                cart_reminders=form.cleaned_data["cart_reminders"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("shop:account")
    return _page(request, status=400, profile_form=form)


@login_required
@require_POST
def password_change(request):
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            user = user_change_password(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # The session holds a hash of the password: keep this one signed in.
            update_session_auth_hash(request, user)
            messages.success(request, "Your password is changed.")
            return redirect("shop:account")
    return _page(request, status=400, password_form=form)


@login_required
@require_POST
def verification_resend(request):
    wait = page_throttle_wait(request, "auth")
    if wait is not None:
        messages.error(
            request, f"Too many attempts. Please try again in {wait} seconds."
        )
        response = _page(request, status=429)
        response["Retry-After"] = str(wait)
        return response
    if email_verification_resend(user=request.user):
        messages.success(
            request, f"We have mailed a new verification link to {request.user.email}."
        )
    else:
        messages.info(request, "Your email address is already verified.")
    return redirect("shop:account")


@login_required
@require_POST
def address_add(request):
    form = AddressBookForm(request.POST)
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ADDRESS_FIELDS}
        try:
            address_create(
                user=request.user, is_default=form.cleaned_data["is_default"], **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The address is added to your address book.")
            return redirect("shop:account")
    return _page(request, status=400, address_form=form)


@login_required
def address_edit(request, address_id: int):
    address = _address(request, address_id)
    form = AddressBookForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ADDRESS_FIELDS}
        try:
            address_update(
                user=request.user,
                address_id=address.pk,
                is_default=form.cleaned_data["is_default"] or None,
                **fields,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The address is saved.")
            return redirect("shop:account")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/address_edit.html",
        {"form": form, "address": address},
        status=status,
    )


@login_required
@require_POST
def address_remove(request, address_id: int):
    address = _address(request, address_id)
    address_delete(user=request.user, address_id=address.pk)
    messages.success(request, "The address is deleted.")
    return redirect("shop:account")


@login_required
@require_POST
def address_make_default(request, address_id: int):
    address = _address(request, address_id)
    address_set_default(user=request.user, address_id=address.pk)
    messages.success(request, "That is now your default address.")
    return redirect("shop:account")
