"""Storefront pages (namespace shop:)."""

from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("c/<slug:slug>/", views.catalog, name="category"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
]
