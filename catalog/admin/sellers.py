"""Sellers in the admin. ``is_staff`` means "everything" in this shop, so sellers are
never made staff: the admin site admits active sellers too (:func:`admit_sellers`),
and the catalog's model admins scope what a seller sees and changes to their own
products (:class:`SellerScopedAdmin`). Every other model admin keeps Django's
permission checks, which a seller (no model permissions) fails: 403, hidden from the
index. Orders' admin can scope with :func:`is_seller_request` and ``seller_lookup``.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import Http404


def is_seller(user) -> bool:
    """An active seller who is not staff (staff see everything)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and not user.is_staff
        and getattr(user, "role", None) == "seller"
    )


def is_seller_request(request) -> bool:
    """Whether the admin request is a seller's, to be scoped to their own rows."""
    return is_seller(request.user)


def scope_to_seller(request, queryset, seller_lookup: str):
    """``queryset`` cut to the request's seller's rows (``seller_lookup`` names the
    path to the seller, e.g. ``product__seller``); unchanged for staff."""
    if is_seller_request(request):
        return queryset.filter(**{seller_lookup: request.user})
    return queryset


class SellerAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in, which lets active sellers in as well as staff."""

    def confirm_login_allowed(self, user):
        if is_seller(user):
            return
        super().confirm_login_allowed(user)


def admit_sellers(site: admin.AdminSite) -> None:
    """Let active sellers use ``site`` (the models they may see are each model admin's
    to decide); staff as before."""
    staff_only = site.has_permission

    def has_permission(request):
        return staff_only(request) or is_seller_request(request)

    site.has_permission = has_permission
    site.login_form = SellerAdminAuthenticationForm


class SellerScopedAdmin:
    """A model admin mixin: a seller sees, adds, changes and deletes only the rows whose
    ``seller_lookup`` is them (others' are 404); staff keep Django's permissions.
    ``seller_can`` names what sellers may do on this model."""

    seller_lookup = "seller"
    seller_can = frozenset({"view", "add", "change", "delete"})

    def get_queryset(self, request):
        return scope_to_seller(
            request, super().get_queryset(request), self.seller_lookup
        )

    def _seller_may(self, request, what: str) -> bool:
        return what in self.seller_can

    def has_module_permission(self, request):
        if is_seller_request(request):
            return "view" in self.seller_can
        return super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        if is_seller_request(request):
            return "view" in self.seller_can
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        if is_seller_request(request):
            return "add" in self.seller_can
        return super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        if is_seller_request(request):
            return "change" in self.seller_can
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if is_seller_request(request):
            return "delete" in self.seller_can
        return super().has_delete_permission(request, obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index for an unknown id; a seller gets a plain 404,
        # the same for another seller's row as for no row at all.
        if is_seller_request(request):
            raise Http404
        return super()._get_obj_does_not_exist_redirect(request, opts, object_id)


class SellerScopedInline:
    """An inline of a seller-scoped admin: its parent is already the seller's (the
    parent admin's queryset), so a seller may do what the inline allows anyone."""

    seller_can = frozenset({"view", "add", "change", "delete"})

    def has_view_permission(self, request, obj=None):
        if is_seller_request(request):
            return "view" in self.seller_can
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if is_seller_request(request):
            return "add" in self.seller_can
        return super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if is_seller_request(request):
            return "change" in self.seller_can
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if is_seller_request(request):
            return "delete" in self.seller_can
        return super().has_delete_permission(request, obj)


def require_seller_owns(request, product) -> None:
    """403 unless the request may touch ``product`` (staff, or its seller)."""
    if is_seller_request(request) and product.seller_id != request.user.pk:
        raise PermissionDenied
