"""Who may write to the catalog: staff everything, sellers their own products."""

from rest_framework import permissions


class IsStaffOrReadOnly(permissions.BasePermission):
    message = "Only staff may change categories."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(
            request.user and request.user.is_authenticated and request.user.is_staff
        )


class ProductPermission(permissions.BasePermission):
    """Anyone reads; sellers and staff create; the product's seller or staff change it."""

    message = "Only the product's seller or staff may change it."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action == "create":
            self.message = "Only sellers and staff may create products."
            return user.is_staff or user.is_seller
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.is_staff or obj.seller_id == request.user.pk


class VariantPermission(permissions.BasePermission):
    """A variant is changed by its product's seller or staff."""

    message = "Only the product's seller or staff may change it."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        return request.user.is_staff or obj.product.seller_id == request.user.pk
