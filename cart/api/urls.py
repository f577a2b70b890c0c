"""Routes of the cart API under /api/v1/ (URL names in the ``api:`` namespace)."""

from django.urls import path

from cart.api import views

urlpatterns = [
    path("carts/", views.CartCreateView.as_view(), name="cart-create"),
    path("cart/", views.CartDetailView.as_view(), name="cart-detail"),
    path("cart/items/", views.CartItemsView.as_view(), name="cart-items"),
    path(
        "cart/items/<int:variant_id>/", views.CartItemView.as_view(), name="cart-item"
    ),
    path("cart/coupon/", views.CartCouponView.as_view(), name="cart-coupon"),
    path("cart/merge/", views.CartMergeView.as_view(), name="cart-merge"),
]
