"""Storefront pages (namespace shop:)."""

from django.urls import path

from catalog import restock_views, views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("c/<slug:slug>/", views.catalog, name="category"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("p/<slug:slug>/notify-me/", restock_views.notify_me, name="notify-me"),
    path(
        "back-in-stock/unsubscribe/<str:token>/",
        restock_views.unsubscribe,
        name="back-in-stock-unsubscribe",
    ),
]
