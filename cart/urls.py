"""Storefront pages (namespace shop:)."""

from django.urls import path

from cart import views

urlpatterns = [
    path("cart/", views.cart_detail, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/items/<int:variant_id>/update/", views.cart_update, name="cart-update"),
    path("cart/items/<int:variant_id>/remove/", views.cart_remove, name="cart-remove"),
    path("cart/coupon/", views.cart_coupon, name="cart-coupon"),
    path("cart/coupon/remove/", views.cart_coupon_remove, name="cart-coupon-remove"),
]
